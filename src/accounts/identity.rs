//! Creating a participant with one account per person, without an enumeration oracle: a
//! CCCD or email another account holds is set aside (kept for the organisers' duplicates
//! console and shown back to its registrant) rather than refused (issue #13).

use super::*;

/// A registration field that is unique when given, but that registration sets aside
/// rather than refuses when another account holds it (issue #13).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum IdentityField {
    NationalId,
    Email,
}

impl IdentityField {
    const ALL: [IdentityField; 2] = [IdentityField::NationalId, IdentityField::Email];

    /// The stored form (`identity_conflicts.field`), also the column's name.
    fn as_str(self) -> &'static str {
        match self {
            IdentityField::NationalId => "national_id",
            IdentityField::Email => "email",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }

    fn column(self) -> user::Column {
        match self {
            IdentityField::NationalId => user::Column::NationalId,
            IdentityField::Email => user::Column::Email,
        }
    }

    /// The value an account holds.
    fn value_of(self, user: &user::Model) -> Option<&str> {
        match self {
            IdentityField::NationalId => user.national_id.as_deref(),
            IdentityField::Email => user.email.as_deref(),
        }
    }

    /// The value a registration gives.
    fn given(self, reg: &ValidRegistration) -> Option<&str> {
        match self {
            IdentityField::NationalId => reg.national_id.as_deref(),
            IdentityField::Email => reg.email.as_deref(),
        }
    }

    /// Why the duplicates console groups accounts that gave one value.
    fn reason(self) -> &'static str {
        match self {
            IdentityField::NationalId => "same_national_id",
            IdentityField::Email => "same_email",
        }
    }
}

/// How a registration's ID number and email are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Identity {
    /// Stored on the account, unless another account holds them already.
    Unless,
    /// Set aside whoever holds them (after racing registrations kept taking them).
    Aside,
}

/// Stores a validated registration. `password_hash` is computed by the caller (off the
/// async threads). A duplicate phone number is a 409 `phone_taken`.
///
/// An ID number (CCCD) or an email that another account already holds is not refused:
/// that answer would tell anyone whether a person is registered (issue #13, see
/// SECURITY.md). The account is created without it, the value is kept in
/// `identity_conflicts` — shown back to the registrant by `GET /me`, and to the organisers
/// in the duplicates console ([`taken_identity_groups`]), who void whichever account is not
/// that person's. The unique indexes stay as they are: one account holds a CCCD or an
/// email.
pub async fn create_participant<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    reg: ValidRegistration,
    password_hash: String,
) -> Result<(user::Model, unit::Model)> {
    let mut fields = BTreeMap::new();
    let category = category::Entity::find_by_id(reg.category.clone())
        .one_by_key(db)
        .await?;
    if category.is_none() {
        fields.insert(
            "category".to_owned(),
            "Đối tượng dự thi không tồn tại.".to_owned(),
        );
    }
    let unit = unit::Entity::find()
        .filter(unit::Column::Code.eq(reg.unit_code.clone()))
        .one_by_key(db)
        .await?;
    if unit.is_none() {
        fields.insert(
            "unit_code".to_owned(),
            "Đơn vị không có trong danh sách.".to_owned(),
        );
    }
    let Some(unit) = unit.filter(|_| fields.is_empty()) else {
        return Err(AppError::Validation { fields });
    };
    // A registration racing this one may take the ID number or email between the look and
    // the insert: look again; the last try sets them aside whatever the look says.
    for identity in [Identity::Unless, Identity::Unless, Identity::Aside] {
        let plan = plan_identity(db, &reg, identity).await?;
        match insert_participant(db, &reg, unit.id, &password_hash, plan).await {
            Err(e) if is_identity_violation(&e) => continue,
            Err(e) => return Err(map_unique(e, UNIQUE_PHONE)),
            Ok(model) => return Ok((model, unit)),
        }
    }
    Err(AppError::Unexpected(anyhow::anyhow!(
        "a registration kept its ID number or email though set aside"
    )))
}

/// True when `err` says that another account holds the ID number or email just inserted.
pub(super) fn is_identity_violation(err: &DbErr) -> bool {
    unique_violation(err).is_some_and(|text| {
        IdentityField::ALL
            .iter()
            .any(|field| text.contains(field.as_str()))
    })
}

/// Where a registration's ID number and email go: on the account, or set aside with the
/// account that holds them (`None`: nobody, with [`Identity::Aside`]).
#[derive(Debug, Default)]
pub(super) struct IdentityPlan {
    pub(super) national_id: Option<String>,
    pub(super) email: Option<String>,
    pub(super) aside: Vec<(IdentityField, String, Option<i64>)>,
}

/// Looks up who holds the ID number and email of `reg` now.
pub(super) async fn plan_identity<C: ConnectionTrait>(
    db: &C,
    reg: &ValidRegistration,
    identity: Identity,
) -> std::result::Result<IdentityPlan, DbErr> {
    let mut holders = Condition::any();
    for field in IdentityField::ALL {
        if let Some(value) = field.given(reg) {
            holders = holders.add(field.column().eq(value));
        }
    }
    let holders = if holders.is_empty() {
        Vec::new()
    } else {
        user::Entity::find().filter(holders).all(db).await?
    };
    let mut plan = IdentityPlan::default();
    for field in IdentityField::ALL {
        let Some(value) = field.given(reg) else {
            continue;
        };
        let holder = holders
            .iter()
            .find(|u| field.value_of(u) == Some(value))
            .map(|u| u.id);
        if holder.is_some() || identity == Identity::Aside {
            plan.aside.push((field, value.to_owned(), holder));
        } else {
            match field {
                IdentityField::NationalId => plan.national_id = Some(value.to_owned()),
                IdentityField::Email => plan.email = Some(value.to_owned()),
            }
        }
    }
    Ok(plan)
}

/// Inserts a participant as `plan` says, with a conflict row for each value set aside, in
/// one transaction.
pub(super) async fn insert_participant<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    reg: &ValidRegistration,
    unit_id: i64,
    password_hash: &str,
    plan: IdentityPlan,
) -> std::result::Result<user::Model, DbErr> {
    let now = Utc::now();
    let txn = db.begin().await?;
    let model = user::ActiveModel {
        role: Set(Role::Participant),
        full_name: Set(reg.full_name.clone()),
        search_name: Set(crate::text::fold(&reg.full_name)),
        email: Set(plan.email),
        phone: Set(Some(reg.phone.clone())),
        national_id: Set(plan.national_id),
        birth_date: Set(reg.birth_date),
        gender: Set(reg.gender.clone()),
        category_code: Set(Some(reg.category.clone())),
        unit_id: Set(Some(unit_id)),
        password_hash: Set(password_hash.to_owned()),
        voided: Set(false),
        void_reason: Set(None),
        token_version: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    for (field, value, holder_id) in plan.aside {
        identity_conflict::ActiveModel {
            user_id: Set(model.id),
            field: Set(field.as_str().to_owned()),
            value: Set(value),
            holder_id: Set(holder_id),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    // Validation let the registration through only with consent: record what was agreed
    // to and when, in the same transaction as the account.
    super::profile::record_consent(&txn, model.id, now).await?;
    txn.commit().await?;
    Ok(model)
}

/// The ID number and email a participant gave at registration that another account held
/// (`None` when they are on the account, or were not given).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SetAside {
    pub national_id: Option<String>,
    pub email: Option<String>,
}

/// What [`create_participant`] set aside for `user_id`.
pub async fn set_aside_of<C: ConnectionTrait>(db: &C, user_id: i64) -> Result<SetAside> {
    let rows = identity_conflict::Entity::find()
        .filter(identity_conflict::Column::UserId.eq(user_id))
        .all(db)
        .await?;
    let mut aside = SetAside::default();
    for row in rows {
        match IdentityField::parse(&row.field) {
            Some(IdentityField::NationalId) => aside.national_id = Some(row.value),
            Some(IdentityField::Email) => aside.email = Some(row.value),
            None => {}
        }
    }
    Ok(aside)
}

/// Accounts that gave the same ID number or email at registration, for the duplicates
/// console: each group's reason (`same_national_id` or `same_email`) and its accounts,
/// the one holding the value first.
pub async fn taken_identity_groups<C: ConnectionTrait>(
    db: &C,
) -> Result<Vec<(&'static str, Vec<user::Model>)>> {
    let conflicts = identity_conflict::Entity::find()
        .order_by_asc(identity_conflict::Column::Id)
        .all(db)
        .await?;
    if conflicts.is_empty() {
        return Ok(Vec::new());
    }
    let mut wanted = Condition::any()
        .add(user::Column::Id.is_in(conflicts.iter().map(|c| c.user_id).collect::<Vec<_>>()));
    for c in &conflicts {
        if let Some(field) = IdentityField::parse(&c.field) {
            wanted = wanted.add(field.column().eq(c.value.clone()));
        }
    }
    let users = user::Entity::find().filter(wanted).all(db).await?;
    // (field, value, accounts): the holders of the value now, then those who gave it.
    let mut groups: Vec<(IdentityField, &str, Vec<&user::Model>)> = Vec::new();
    for c in &conflicts {
        let Some(field) = IdentityField::parse(&c.field) else {
            continue;
        };
        let Some(claimant) = users.iter().find(|u| u.id == c.user_id) else {
            continue;
        };
        let value = c.value.as_str();
        let i = match groups
            .iter()
            .position(|(f, v, _)| *f == field && *v == value)
        {
            Some(i) => i,
            None => {
                let holders = users
                    .iter()
                    .filter(|u| field.value_of(u) == Some(value))
                    .collect();
                groups.push((field, value, holders));
                groups.len() - 1
            }
        };
        let accounts = &mut groups[i].2;
        if !accounts.iter().any(|u| u.id == claimant.id) {
            accounts.push(claimant);
        }
    }
    Ok(groups
        .into_iter()
        .filter(|(_, _, accounts)| accounts.len() > 1)
        .map(|(field, _, accounts)| (field.reason(), accounts.into_iter().cloned().collect()))
        .collect())
}
