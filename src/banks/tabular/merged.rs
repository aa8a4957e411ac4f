//! Merged cells of an XLSX sheet: the value Excel shows across a merged area belongs to
//! every row and column the area spans (a topic merged over rows 2–4 is the topic of
//! rows 2, 3 and 4), though the file stores it in the top-left cell only.
//!
//! Rows arrive in order, so the areas are kept sorted by their first row and only those
//! covering the current row are looked at.

use calamine::Dimensions;

use crate::limits::MAX_COLUMNS;

/// The merged areas of one sheet, with the values of those whose top-left cell was read.
pub(super) struct Merged {
    /// Areas clipped to the columns read, sorted by first row.
    areas: Vec<Dimensions>,
    /// The top-left value of each area, once read.
    values: Vec<Option<String>>,
    /// Areas not yet reached.
    next: usize,
    /// Areas covering the current row.
    active: Vec<usize>,
    row: Option<u32>,
}

impl Merged {
    /// The areas of a sheet (in any order).
    pub(super) fn new(mut areas: Vec<Dimensions>) -> Merged {
        areas.retain(|a| (a.start.1 as usize) < MAX_COLUMNS && a.start <= a.end);
        areas.sort_by_key(|a| a.start);
        Merged {
            values: vec![None; areas.len()],
            areas,
            next: 0,
            active: Vec::new(),
            row: None,
        }
    }

    /// Moves to row `r` (0-based, never going back).
    fn enter(&mut self, r: u32) {
        if self.row == Some(r) {
            return;
        }
        self.row = Some(r);
        while let Some(area) = self.areas.get(self.next)
            && area.start.0 <= r
        {
            self.active.push(self.next);
            self.next += 1;
        }
        let areas = &self.areas;
        self.active.retain(|&i| areas[i].end.0 >= r);
        // Areas of a real sheet never overlap: a row meets at most one per column.
        self.active.truncate(MAX_COLUMNS);
    }

    /// Notes the value of the cell at `(r, c)`, in case it is an area's top-left cell.
    pub(super) fn cell(&mut self, r: u32, c: u32, text: &str) {
        self.enter(r);
        for &i in &self.active {
            if self.areas[i].start == (r, c) {
                self.values[i] = Some(text.to_owned());
            }
        }
    }

    /// The cells of row `r` that an area covers but the file left empty, with the area's
    /// value: `(column, text)`.
    pub(super) fn fill(&mut self, r: u32, texts: &[String]) -> Vec<(usize, String)> {
        self.enter(r);
        let mut out = Vec::new();
        for &i in &self.active {
            let Some(value) = &self.values[i] else {
                continue;
            };
            let area = &self.areas[i];
            let last = (area.end.1 as usize).min(MAX_COLUMNS - 1);
            for c in area.start.1 as usize..=last {
                if (r, c as u32) != area.start && texts.get(c).is_none_or(String::is_empty) {
                    out.push((c, value.clone()));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn area(start: (u32, u32), end: (u32, u32)) -> Dimensions {
        Dimensions { start, end }
    }

    #[test]
    fn a_merged_value_fills_every_row_and_column_it_spans() {
        let mut m = Merged::new(vec![area((1, 0), (3, 0)), area((1, 2), (1, 3))]);
        m.cell(1, 0, "Chủ đề A");
        m.cell(1, 2, "x");
        let row1 = vec!["Chủ đề A".to_owned(), "q1".to_owned(), "x".to_owned()];
        assert_eq!(m.fill(1, &row1), vec![(3, "x".to_owned())]);
        let row2 = vec![String::new(), "q2".to_owned()];
        assert_eq!(m.fill(2, &row2), vec![(0, "Chủ đề A".to_owned())]);
        assert_eq!(m.fill(3, &[]), vec![(0, "Chủ đề A".to_owned())]);
        assert_eq!(m.fill(4, &[]), vec![]);
    }
}
