//! Contact data in exports: the fields an organiser may ask for, and reading them for the
//! participants of an export (never included unless named).

use super::*;

/// A piece of contact data an export can carry (issue #13: least privilege).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactField {
    BirthDate,
    Phone,
    Email,
    NationalId,
}

impl ContactField {
    /// Every contact field, in the order of their columns.
    pub const ALL: [ContactField; 4] = [
        ContactField::BirthDate,
        ContactField::Phone,
        ContactField::Email,
        ContactField::NationalId,
    ];

    /// The stable name (query parameter, CLI, audit trail).
    pub fn as_str(self) -> &'static str {
        match self {
            ContactField::BirthDate => "birth_date",
            ContactField::Phone => "phone",
            ContactField::Email => "email",
            ContactField::NationalId => "national_id",
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// The contact fields an export carries: none unless an organiser (or the operator, on the
/// command line) names them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ContactFields(u8);

impl ContactFields {
    /// No contact data: what every export carries unless asked.
    pub const NONE: ContactFields = ContactFields(0);

    /// Reads a comma-separated list of field names (`phone,email,birth_date,national_id`),
    /// or `all`; an empty value is none. The error is a Vietnamese message.
    pub fn parse(value: &str) -> std::result::Result<Self, String> {
        let mut fields = ContactFields::NONE;
        for name in value.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            if name.eq_ignore_ascii_case("all") {
                fields = ContactField::ALL.into_iter().collect();
                continue;
            }
            let field = ContactField::ALL
                .into_iter()
                .find(|f| f.as_str().eq_ignore_ascii_case(name))
                .ok_or_else(|| {
                    format!(
                        "Trường liên hệ không hợp lệ: chỉ được dùng {}, hoặc all.",
                        ContactField::ALL.map(ContactField::as_str).join(", ")
                    )
                })?;
            fields.0 |= field.bit();
        }
        Ok(fields)
    }

    /// True when the export carries `field`.
    pub fn has(self, field: ContactField) -> bool {
        self.0 & field.bit() != 0
    }

    /// True when the export carries no contact data.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The names of the fields carried, in column order (for the audit trail).
    pub fn names(self) -> Vec<&'static str> {
        ContactField::ALL
            .into_iter()
            .filter(|f| self.has(*f))
            .map(ContactField::as_str)
            .collect()
    }
}

impl FromIterator<ContactField> for ContactFields {
    fn from_iter<I: IntoIterator<Item = ContactField>>(iter: I) -> Self {
        ContactFields(iter.into_iter().fold(0, |bits, f| bits | f.bit()))
    }
}

/// Contact data of a participant: what the snapshots do not hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Contact {
    pub birth_date: Option<NaiveDate>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub national_id: Option<String>,
}

/// The asked-for contact `fields` of the given users, in one query per [`IN_CHUNK`] ids;
/// no query at all when none is asked for.
pub async fn contacts<C: ConnectionTrait>(
    db: &C,
    ids: &[i64],
    fields: ContactFields,
) -> Result<HashMap<i64, Contact>> {
    if fields.is_empty() {
        return Ok(HashMap::new());
    }
    type Row = (
        i64,
        Option<NaiveDate>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(IN_CHUNK) {
        let rows: Vec<Row> = user::Entity::find()
            .select_only()
            .column(user::Column::Id)
            .column(user::Column::BirthDate)
            .column(user::Column::Phone)
            .column(user::Column::Email)
            .column(user::Column::NationalId)
            .filter(user::Column::Id.is_in(chunk.iter().copied()))
            .into_tuple()
            .all(db)
            .await?;
        for (id, birth_date, phone, email, national_id) in rows {
            let keep = |field, value: Option<String>| value.filter(|_| fields.has(field));
            out.insert(
                id,
                Contact {
                    birth_date: birth_date.filter(|_| fields.has(ContactField::BirthDate)),
                    phone: keep(ContactField::Phone, phone),
                    email: keep(ContactField::Email, email),
                    national_id: keep(ContactField::NationalId, national_id),
                },
            );
        }
    }
    Ok(out)
}
