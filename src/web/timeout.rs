//! A request body that stops arriving, or arrives too slowly, is cut off (issues #8 and
//! #13, slow clients).
//!
//! actix-web times out a request's *head* (`client_request_timeout`), but once the head is
//! in, a handler reading the body would wait as long as the client keeps the connection
//! open. This middleware wraps every body in a stream that fails when no byte arrives for
//! the configured pause (`--body-timeout-secs`), or when the whole body has not arrived
//! within the total deadline (`--body-deadline-secs`, counted from the request's head): a
//! byte every few seconds never trips the first, and would otherwise hold a connection for
//! as long as the client likes. The handler's extractor then gives up, and the answer
//! becomes `408 request_timeout` with `Connection: close` (the rest of the body is never
//! read).

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
    let limits = req
        .app_data::<web::Data<AppState>>()
        .map(|s| (s.settings.timeouts.body, s.settings.timeouts.body_deadline));
    let payload = req.take_payload();
    let Some((idle, total)) = limits.filter(|_| !matches!(payload, Payload::None)) else {
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
            deadline: Instant::now() + total,
            deadline_timer: None,
            done: false,
            stalled: stalled.clone(),
        }),
    });
    let outcome = next.call(req).await;
    if stalled.load(Ordering::Relaxed) {
        tracing::info!("request body stalled or too slow; answered 408");
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

/// A body stream that fails once no chunk has arrived for `idle`, or once its total
/// deadline has passed.
struct IdleTimeout {
    inner: Payload,
    idle: Duration,
    /// Started at the first read, reset by every chunk.
    timer: Option<Pin<Box<Sleep>>>,
    /// The whole body's deadline, set when the request's head was read; never reset.
    deadline: Instant,
    /// Wakes the reader at `deadline`; made only once the body has to be waited for, so a
    /// body that is already there (an answer save) costs no timer.
    deadline_timer: Option<Pin<Box<Sleep>>>,
    /// The body has been read to its end.
    done: bool,
    stalled: Arc<AtomicBool>,
}

/// The error that ends a body read that took too long.
fn timed_out(stalled: &AtomicBool) -> Poll<Option<Result<Bytes, PayloadError>>> {
    stalled.store(true, Ordering::Relaxed);
    Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
        std::io::ErrorKind::TimedOut,
        "request body too slow",
    )))))
}

impl Stream for IdleTimeout {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.done {
            return Poll::Ready(None);
        }
        // Checked before every read, so a stream of tiny chunks cannot outrun it.
        if Instant::now() >= this.deadline {
            return timed_out(&this.stalled);
        }
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(item) => {
                this.done = item.is_none();
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
                let deadline = this.deadline;
                let deadline_timer = this
                    .deadline_timer
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
                // Both timers are polled, so either one wakes the reader.
                let stalled = timer.as_mut().poll(cx).is_ready();
                let late = deadline_timer.as_mut().poll(cx).is_ready();
                if stalled || late {
                    timed_out(&this.stalled)
                } else {
                    Poll::Pending
                }
            }
        }
    }
}
