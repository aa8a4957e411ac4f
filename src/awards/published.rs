//! What the public and the winners read of published lists: the results (names and units
//! only), the certificates by code (the verification page, the PDFs, the ZIP), and a
//! participant's own certificates.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::Serialize;

use super::UnitAward;
use super::plan::PrizePlan;
use super::workflow::{Scope, body_of, latest, load_plan};
use super::{AwardBody, AwardEntry};
use crate::entities::award_list::{self, Status};
use crate::entities::certificate;
use crate::error::{AppError, Result};

/// One published entry as the public sees it: names and units only.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicEntry {
    pub category: String,
    pub category_name: String,
    pub prize: String,
    pub rank: usize,
    pub name: String,
    pub unit: Option<String>,
    pub score: i64,
}

/// A published list as the public sees it (`GET /api/v1/rounds/{id}/awards/public`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicAwards {
    pub contest_id: i64,
    pub round_id: Option<i64>,
    pub title: String,
    pub contest_title: String,
    pub version: i32,
    pub digest: String,
    pub published_at: DateTime<Utc>,
    pub entries: Vec<PublicEntry>,
    pub units: Vec<UnitAward>,
}

/// The published list of a scope, as the public sees it; 404 when none is published or
/// the contest is not public.
pub async fn public<C: ConnectionTrait>(db: &C, scope: &Scope) -> Result<PublicAwards> {
    if !crate::contest::lifecycle::visible_to(scope.contest().status, None) {
        return Err(AppError::NotFound);
    }
    let list = latest(db, scope, None)
        .await?
        .filter(|l| l.status == Status::Published)
        .ok_or(AppError::NotFound)?;
    let body = body_of(&list)?;
    Ok(PublicAwards {
        contest_id: list.contest_id,
        round_id: list.round_id,
        title: scope.title(),
        contest_title: scope.contest().title.clone(),
        version: list.version,
        digest: list.digest.clone().unwrap_or_default(),
        published_at: list.published_at.unwrap_or(list.created_at),
        entries: body
            .entries
            .into_iter()
            .map(|e| PublicEntry {
                category: e.category,
                category_name: e.category_name,
                prize: e.prize,
                rank: e.rank,
                name: e.name,
                unit: e.unit,
                score: e.score,
            })
            .collect(),
        units: body.units,
    })
}

/// A certificate as its verification page and PDF show it.
#[derive(Debug, Clone)]
pub struct CertificateView {
    pub code: String,
    pub participant_id: i64,
    pub entry: AwardEntry,
    pub scope_title: String,
    pub contest_title: String,
    pub contest_id: i64,
    pub round_id: Option<i64>,
    pub digest: String,
    pub published_at: DateTime<Utc>,
    /// False once its list was unpublished: the page says the certificate was withdrawn.
    pub valid: bool,
    pub organiser: Option<String>,
    pub signer: Option<String>,
}

/// The certificate of `code`, or 404 (unknown codes, codes of a contest not public).
pub async fn certificate<C: ConnectionTrait>(db: &C, code: &str) -> Result<CertificateView> {
    if !super::is_code(code) {
        return Err(AppError::NotFound);
    }
    let cert = certificate::Entity::find_by_id(code.to_owned())
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let list = award_list::Entity::find_by_id(cert.award_list_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let scope = scope_of(db, &list).await?;
    let plan = load_plan(db, list.contest_id).await?;
    let body = body_of(&list)?;
    view_of(&cert, &body, &scope, &list, plan.as_ref())
}

async fn scope_of<C: ConnectionTrait>(db: &C, list: &award_list::Model) -> Result<Scope> {
    match list.round_id {
        Some(id) => Scope::of_round(db, id).await,
        None => Scope::of_contest(db, list.contest_id).await,
    }
}

/// The view of `cert`, whose list (with its body) is `list`.
fn view_of(
    cert: &certificate::Model,
    body: &AwardBody,
    scope: &Scope,
    list: &award_list::Model,
    plan: Option<&PrizePlan>,
) -> Result<CertificateView> {
    let entry = body
        .certified()
        .nth(cert.position as usize)
        .filter(|e| e.participant_id == cert.participant_id)
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("certificate {} does not match its list", cert.code))?;
    Ok(certificate_view(
        cert.code.clone(),
        entry,
        scope,
        list,
        plan,
    ))
}

/// The certificate of one entry of `list`.
fn certificate_view(
    code: String,
    entry: AwardEntry,
    scope: &Scope,
    list: &award_list::Model,
    plan: Option<&PrizePlan>,
) -> CertificateView {
    CertificateView {
        code,
        participant_id: entry.participant_id,
        entry,
        scope_title: scope.title(),
        contest_title: scope.contest().title.clone(),
        contest_id: list.contest_id,
        round_id: list.round_id,
        digest: list.digest.clone().unwrap_or_default(),
        published_at: list.published_at.unwrap_or(list.created_at),
        valid: list.status == Status::Published,
        organiser: plan.and_then(|p| p.organiser.clone()),
        signer: plan.and_then(|p| p.signer.clone()),
    }
}

/// Every certificate of the scope's published list, in list order (for the ZIP).
pub async fn published_certificates<C: ConnectionTrait>(
    db: &C,
    scope: &Scope,
) -> Result<Vec<CertificateView>> {
    let list = latest(db, scope, None)
        .await?
        .filter(|l| l.status == Status::Published)
        .ok_or(AppError::NotFound)?;
    let plan = load_plan(db, list.contest_id).await?;
    let body = body_of(&list)?;
    Ok(body
        .certified()
        .filter_map(|entry| {
            let code = entry.certificate_code.clone()?;
            Some(certificate_view(
                code,
                entry.clone(),
                scope,
                &list,
                plan.as_ref(),
            ))
        })
        .collect())
}

/// The certificates of a participant in published lists, newest first ("Kết quả của tôi").
pub async fn certificates_of<C: ConnectionTrait>(
    db: &C,
    participant_id: i64,
) -> Result<Vec<CertificateView>> {
    let certs = certificate::Entity::find()
        .filter(certificate::Column::ParticipantId.eq(participant_id))
        .all(db)
        .await?;
    // The published lists holding them, in one query; each list's scope and plan once
    // (a person holds a few certificates, often several from one list's contest).
    let lists = award_list::Entity::find()
        .filter(award_list::Column::Id.is_in(certs.iter().map(|c| c.award_list_id)))
        .filter(award_list::Column::Status.eq(Status::Published))
        .all(db)
        .await?;
    let mut plans: HashMap<i64, Option<PrizePlan>> = HashMap::new();
    let mut out = Vec::with_capacity(certs.len());
    for list in &lists {
        let scope = scope_of(db, list).await?;
        if let Entry::Vacant(slot) = plans.entry(list.contest_id) {
            slot.insert(load_plan(db, list.contest_id).await?);
        }
        let plan = plans[&list.contest_id].as_ref();
        let body = body_of(list)?;
        for cert in certs.iter().filter(|c| c.award_list_id == list.id) {
            out.push(view_of(cert, &body, &scope, list, plan)?);
        }
    }
    out.sort_by_key(|c| std::cmp::Reverse(c.published_at));
    Ok(out)
}
