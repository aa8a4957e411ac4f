//! A request body that stops arriving is cut off (issue #8, slow clients).
//!
//! actix-web times out a request's *head* (`client_request_timeout`), but once the head is
//! in, a handler reading the body would wait as long as the client keeps the connection
//! open. This middleware wraps every body in a stream that fails when no byte arrives for
//! the configured time; the handler's extractor then gives up, and the answer becomes
//! `408 request_timeout` with `Connection: close` (the rest of the body is never read).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{HttpMessage, ResponseError, web};
use futures_util::Stream;
use tokio::time::{Instant, Sleep};

use crate::error::AppError;
use crate::state::AppState;

/// The middleware: wraps the body, and answers 408 if it stalled.
pub async fn body_timeout(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody + 'static>>, actix_web::Error> {
    let idle = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.settings.timeouts.body);
    let payload = req.take_payload();
    let Some(idle) = idle.filter(|_| !matches!(payload, Payload::None)) else {
        req.set_payload(payload);
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
    };
    let stalled = Arc::new(AtomicBool::new(false));
    req.set_payload(Payload::Stream {
        payload: Box::pin(IdleTimeout {
            inner: payload,
            idle,
            timer: None,
            stalled: stalled.clone(),
        }),
    });
    let outcome = next.call(req).await;
    if stalled.load(Ordering::Relaxed) {
        tracing::info!("request body stalled; answered 408");
        return match outcome {
            Ok(response) => {
                let (request, _) = response.into_parts();
                let timeout = AppError::RequestTimeout.error_response();
                Ok(ServiceResponse::new(request, timeout).map_into_right_body())
            }
            Err(_) => Err(AppError::RequestTimeout.into()),
        };
    }
    outcome.map(ServiceResponse::map_into_left_body)
}

/// A body stream that fails once no chunk has arrived for `idle`.
struct IdleTimeout {
    inner: Payload,
    idle: Duration,
    /// Started at the first read, reset by every chunk.
    timer: Option<Pin<Box<Sleep>>>,
    stalled: Arc<AtomicBool>,
}

impl Stream for IdleTimeout {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(item) => {
                if let Some(timer) = &mut this.timer {
                    timer.as_mut().reset(Instant::now() + this.idle);
                }
                Poll::Ready(item)
            }
            Poll::Pending => {
                let idle = this.idle;
                let timer = this
                    .timer
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(idle)));
                match timer.as_mut().poll(cx) {
                    Poll::Ready(()) => {
                        this.stalled.store(true, Ordering::Relaxed);
                        Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                            std::io::ErrorKind::TimedOut,
                            "request body stalled",
                        )))))
                    }
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }
}
