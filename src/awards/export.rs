//! The winners list as organisers send it for the reward decision (quyết định khen
//! thưởng): STT, họ và tên, đơn vị, đối tượng, giải, điểm, thời gian — and contact data
//! only when an organiser asks for it field by field (as the results exports, #9).

use std::collections::HashMap;

use super::AwardEntry;
use crate::exports::{Cell, Contact, ContactField, ContactFields};

/// The headers and column widths of a list export with these contact fields.
pub fn columns(fields: ContactFields) -> (Vec<&'static str>, Vec<f64>) {
    let mut headers = vec!["STT", "Họ và tên"];
    let mut widths = vec![6.0, 28.0];
    for (field, header, width) in [
        (ContactField::BirthDate, "Ngày sinh", 12.0),
        (ContactField::Phone, "Số điện thoại", 14.0),
        (ContactField::Email, "Email", 28.0),
        (ContactField::NationalId, "Số CCCD", 15.0),
    ] {
        if fields.has(field) {
            headers.push(header);
            widths.push(width);
        }
    }
    headers.extend(["Đơn vị", "Đối tượng", "Giải", "Điểm", "Thời gian"]);
    widths.extend([36.0, 24.0, 18.0, 7.0, 16.0]);
    (headers, widths)
}

/// The rows of a list export, in list order (category, then prize, then rank).
pub fn rows<'a>(
    entries: &'a [AwardEntry],
    contacts: &'a HashMap<i64, Contact>,
    fields: ContactFields,
) -> impl Iterator<Item = Vec<Cell<'a>>> + 'a {
    entries.iter().enumerate().map(move |(i, e)| {
        let contact = contacts.get(&e.participant_id);
        let text = |v: Option<&'a String>| v.map_or(Cell::Empty, |s| Cell::Text(s.as_str()));
        let mut cells = vec![Cell::Int(i as i64 + 1), Cell::Text(&e.name)];
        if fields.has(ContactField::BirthDate) {
            cells.push(
                contact
                    .and_then(|c| c.birth_date)
                    .map_or(Cell::Empty, Cell::Date),
            );
        }
        if fields.has(ContactField::Phone) {
            cells.push(text(contact.and_then(|c| c.phone.as_ref())));
        }
        if fields.has(ContactField::Email) {
            cells.push(text(contact.and_then(|c| c.email.as_ref())));
        }
        if fields.has(ContactField::NationalId) {
            cells.push(text(contact.and_then(|c| c.national_id.as_ref())));
        }
        cells.extend([
            e.unit.as_deref().map_or(Cell::Empty, Cell::Text),
            Cell::Text(&e.category_name),
            Cell::Text(&e.prize),
            Cell::Int(e.score),
            Cell::Duration(e.time_taken_ms),
        ]);
        cells
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_columns_appear_only_when_asked_for_and_rows_match_the_headers() {
        let (plain, _) = columns(ContactFields::default());
        assert_eq!(
            plain,
            [
                "STT",
                "Họ và tên",
                "Đơn vị",
                "Đối tượng",
                "Giải",
                "Điểm",
                "Thời gian"
            ]
        );
        let fields = ContactFields::parse("birth_date").unwrap();
        let (with, widths) = columns(fields);
        assert_eq!(with[2], "Ngày sinh");
        assert_eq!(with.len(), widths.len());
        let entry = AwardEntry {
            participant_id: 3,
            category: "official".into(),
            category_name: "Cán bộ".into(),
            prize: "Giải Nhất".into(),
            level: 0,
            rank: 1,
            name: "Lê Văn Tám".into(),
            unit: None,
            score: 20,
            time_taken_ms: 1000,
            certificate_code: None,
        };
        let contacts = HashMap::new();
        let entries = [entry];
        let row: Vec<Cell<'_>> = rows(&entries, &contacts, fields).next().unwrap();
        assert_eq!(row.len(), with.len());
        assert_eq!(row[0], Cell::Int(1));
        assert_eq!(row[5], Cell::Text("Giải Nhất"));
    }
}
