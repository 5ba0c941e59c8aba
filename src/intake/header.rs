//! Finding the header row and matching its headers to schema fields.

use calamine::Data;

use crate::intake::field::normalize_header;
use crate::intake::value;

/// A field the header row may name, with every normalised name that means it.
#[derive(Debug, Clone)]
pub struct KnownColumn<F> {
    pub field: F,
    pub name: &'static str,
    pub required: bool,
    /// The field name and its aliases, normalised.
    pub spellings: Vec<String>,
}

/// Where each field sits in a sheet.
#[derive(Debug, Clone)]
pub struct ColumnMap<F> {
    /// The header's row number as the spreadsheet shows it.
    pub header_row: u32,
    /// Each matched field, its column index and its header as written.
    pub columns: Vec<(F, usize, String)>,
    /// Columns the schema does not know: index and header as written.
    pub extras: Vec<(usize, String)>,
    /// Headers that name a field a second time: header as written and the field's name.
    pub repeated: Vec<(String, &'static str)>,
}

impl<F: Copy + PartialEq> ColumnMap<F> {
    /// The column index and header of `field`, when the sheet has it.
    pub fn find(&self, field: F) -> Option<(usize, &str)> {
        self.columns.iter().find(|(f, _, _)| *f == field).map(|(_, i, h)| (*i, h.as_str()))
    }
}

/// Why no usable header row was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderError {
    /// No row among those searched names enough fields.
    NotFound { searched: usize },
    /// The header row lacks required fields: each with the closest header found.
    Missing { header_row: u32, missing: Vec<(&'static str, Option<String>)> },
}

/// Looks through `rows` (the top of a sheet, numbered) for the one naming the most fields.
///
/// A row must name at least two fields to count as a header; ties go to the higher row.
pub fn find_header<F: Copy + PartialEq>(
    rows: &[(u32, Vec<Data>)],
    known: &[KnownColumn<F>],
) -> Result<ColumnMap<F>, HeaderError> {
    let mut best: Option<(&(u32, Vec<Data>), usize)> = None;
    for row in rows {
        let matched = row.1.iter().filter(|cell| match_cell(cell, known).is_some()).count();
        if matched >= 2 && best.is_none_or(|(_, most)| matched > most) {
            best = Some((row, matched));
        }
    }
    let Some(((header_row, cells), _)) = best else {
        return Err(HeaderError::NotFound { searched: rows.len() });
    };
    let map = map_columns(*header_row, cells, known);

    let missing: Vec<_> = known
        .iter()
        .filter(|column| column.required && map.find(column.field).is_none())
        .map(|column| (column.name, closest_header(column, &map.extras)))
        .collect();
    if missing.is_empty() {
        Ok(map)
    } else {
        Err(HeaderError::Missing { header_row: *header_row, missing })
    }
}

/// Matches every cell of the header row to a field, an extra column or nothing.
fn map_columns<F: Copy + PartialEq>(
    header_row: u32,
    row: &[Data],
    known: &[KnownColumn<F>],
) -> ColumnMap<F> {
    let mut map = ColumnMap {
        header_row,
        columns: Vec::new(),
        extras: Vec::new(),
        repeated: Vec::new(),
    };
    for (index, cell) in row.iter().enumerate() {
        let header = value::clean_text(value::display(cell).trim());
        if header.is_empty() {
            continue;
        }
        match match_cell(cell, known) {
            Some(column) if map.find(column.field).is_some() => {
                map.repeated.push((header, column.name));
            }
            Some(column) => map.columns.push((column.field, index, header)),
            None => map.extras.push((index, header)),
        }
    }
    map
}

/// The known column a header cell names, if any.
fn match_cell<'a, F>(
    cell: &Data,
    known: &'a [KnownColumn<F>],
) -> Option<&'a KnownColumn<F>> {
    let Data::String(text) = cell else {
        return None;
    };
    let normal = normalize_header(text);
    if normal.is_empty() {
        return None;
    }
    known.iter().find(|column| column.spellings.contains(&normal))
}

/// The unmatched header most like a missing field's name, when one is close enough.
fn closest_header<F>(
    column: &KnownColumn<F>,
    extras: &[(usize, String)],
) -> Option<String> {
    let mut best: Option<(f64, &String)> = None;
    for (_, header) in extras {
        let normal = normalize_header(header);
        let score = column
            .spellings
            .iter()
            .map(|spelling| strsim::normalized_levenshtein(spelling, &normal))
            .fold(0.0, f64::max);
        if score >= 0.6 && best.is_none_or(|(most, _)| score > most) {
            best = Some((score, header));
        }
    }
    best.map(|(_, header)| header.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet(rows: &[&[&str]]) -> Vec<(u32, Vec<Data>)> {
        let cell = |text: &&str| match text {
            &"" => Data::Empty,
            text => Data::String(text.to_string()),
        };
        rows.iter()
            .zip(1..)
            .map(|(row, number)| (number, row.iter().map(cell).collect()))
            .collect()
    }

    fn known() -> Vec<KnownColumn<u8>> {
        let column = |field, name: &'static str, required, aliases: &[&str]| KnownColumn {
            field,
            name,
            required,
            spellings: std::iter::once(name)
                .chain(aliases.iter().copied())
                .map(normalize_header)
                .collect(),
        };
        vec![
            column(1, "partnership_id", true, &[]),
            column(2, "district_lead", true, &["Principal or Administrator"]),
            column(3, "notes", false, &[]),
        ]
    }

    #[test]
    fn header_below_title_rows_is_found() {
        let range = sheet(&[
            &["Partnership requests", "", ""],
            &["", "", ""],
            &["Partnership ID", "Principal or administrator", "Grant code"],
            &["P-1", "Ms. Lee", "G7"],
        ]);
        let map = find_header(&range, &known()).unwrap();
        assert_eq!(map.header_row, 3);
        assert_eq!(map.find(2), Some((1, "Principal or administrator")));
        assert_eq!(map.extras, [(2, "Grant code".to_string())]);
    }

    #[test]
    fn missing_columns_name_the_closest_header() {
        let range = sheet(&[&["PARTNERSHIP-ID", "Distrct Lead", "Notes"]]);
        let err = find_header(&range, &known()).unwrap_err();
        assert_eq!(
            err,
            HeaderError::Missing {
                header_row: 1,
                missing: vec![("district_lead", Some("Distrct Lead".to_string()))]
            }
        );
    }

    #[test]
    fn a_sheet_without_headers_is_refused() {
        let range = sheet(&[&["Budget", "2027"], &["Books", "500"]]);
        assert_eq!(
            find_header(&range, &known()).unwrap_err(),
            HeaderError::NotFound { searched: 2 }
        );
    }
}
