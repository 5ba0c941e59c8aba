//! Reading a workbook or CSV file into the sheets the intake schema uses.

use std::path::{Path, PathBuf};

use calamine::{Data, Range, Reader};

use crate::config::IntakeConfig;
use crate::intake::files::{FileKind, InputFile};
use crate::intake::problem::Problem;

/// One sheet's cells, all formats alike (CSV cells are text).
#[derive(Debug, Clone)]
pub struct Table {
    pub sheet: String,
    /// The 0-based row the range starts at, so row numbers match the spreadsheet's.
    pub first_row: u32,
    pub range: Range<Data>,
    /// The file the table came from, relative to the inputs folder.
    pub file: String,
}

impl Table {
    /// The row number the spreadsheet shows for the range's row `index`.
    pub fn row_number(&self, index: usize) -> u32 {
        self.first_row + index as u32 + 1
    }
}

/// The sheets of one input file that partnerdocs reads.
#[derive(Debug)]
pub struct Tables {
    pub partnerships: Table,
    pub decisions: Option<Table>,
    /// Things staff should know that did not stop the file from being read.
    pub warnings: Vec<Problem>,
}

/// Reads the Partnerships sheet (and the Decisions sheet, if any) of one input file.
pub fn read_tables(input: &InputFile, config: &IntakeConfig) -> Result<Tables, Problem> {
    match input.kind {
        FileKind::Csv => read_csv_tables(input),
        _ => read_workbook_tables(input, config),
    }
}

fn read_workbook_tables(
    input: &InputFile,
    config: &IntakeConfig,
) -> Result<Tables, Problem> {
    let mut workbook = calamine::open_workbook_auto(&input.path)
        .map_err(|err| workbook_problem(input, err))?;
    let names = workbook.sheet_names();
    let by_name =
        |wanted: &str| names.iter().find(|name| name.trim().eq_ignore_ascii_case(wanted));
    let main = match by_name(&config.sheet).or(names.first()) {
        Some(name) => name.clone(),
        None => return Err(Problem::file(&input.name, "the workbook has no sheets")),
    };
    let decisions = by_name(&config.decisions_sheet).filter(|name| **name != main).cloned();

    let partnerships = read_sheet(&mut workbook, input, &main)?;
    let decisions =
        decisions.map(|name| read_sheet(&mut workbook, input, &name)).transpose()?;
    Ok(Tables { partnerships, decisions, warnings: Vec::new() })
}

fn read_sheet<R: std::io::Read + std::io::Seek>(
    workbook: &mut calamine::Sheets<R>,
    input: &InputFile,
    sheet: &str,
) -> Result<Table, Problem> {
    let range = workbook.worksheet_range(sheet).map_err(|err| {
        Problem::sheet(&input.name, sheet, format!("failed to read the sheet: {err}"))
    })?;
    let first_row = range.start().map_or(0, |(row, _)| row);
    Ok(Table { sheet: sheet.to_string(), first_row, range, file: input.name.clone() })
}

/// Explains why calamine could not open a workbook.
fn workbook_problem(input: &InputFile, err: calamine::Error) -> Problem {
    let message = err.to_string();
    if message.to_ascii_lowercase().contains("password") {
        return Problem::file(&input.name, "the workbook is password-protected").with_hint(
            "remove the password (in Excel: File > Info > Protect Workbook) and save it again",
        );
    }
    Problem::file(&input.name, format!("failed to read the workbook: {message}")).with_hint(
        format!(
            "open it in the spreadsheet program and save it again as {}",
            input.kind.ending()
        ),
    )
}

fn read_csv_tables(input: &InputFile) -> Result<Tables, Problem> {
    let mut warnings = Vec::new();
    let partnerships = read_csv(&input.path, &input.name, &mut warnings)?;
    let sibling = decisions_sibling(&input.path);
    let decisions = match sibling.filter(|path| path.is_file()) {
        Some(path) => {
            let name = sibling_name(&input.name, &path);
            Some(read_csv(&path, &name, &mut warnings)?)
        }
        None => None,
    };
    Ok(Tables { partnerships, decisions, warnings })
}

/// `<name>.decisions.csv` beside `<name>.csv`.
fn decisions_sibling(path: &Path) -> Option<PathBuf> {
    let stem = path.file_stem()?.to_str()?;
    Some(path.with_file_name(format!("{stem}.decisions.csv")))
}

fn sibling_name(name: &str, sibling: &Path) -> String {
    let file_name =
        sibling.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    match name.rsplit_once('/') {
        Some((folder, _)) => format!("{folder}/{file_name}"),
        None => file_name,
    }
}

/// Reads a CSV file into a table of text cells; the sheet is named after the file.
fn read_csv(
    path: &Path,
    name: &str,
    warnings: &mut Vec<Problem>,
) -> Result<Table, Problem> {
    let bytes = std::fs::read(path)
        .map_err(|err| Problem::file(name, format!("failed to read the file: {err}")))?;
    let text = decode_csv(&bytes, name, warnings);
    let sheet = Path::new(name).file_stem().map(|s| s.to_string_lossy().into_owned());
    let sheet = sheet.unwrap_or_else(|| name.to_string());

    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows: Vec<Vec<String>> = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|err| {
            let line =
                err.position().map_or(String::new(), |p| format!(" at line {}", p.line()));
            Problem::sheet(name, &sheet, format!("failed to read the CSV{line}: {err}"))
                .with_hint("check that quotes around values are paired")
        })?;
        rows.push(record.iter().map(str::to_string).collect());
    }
    Ok(Table { sheet, first_row: 0, range: text_range(rows), file: name.to_string() })
}

/// Decodes UTF-8 (a BOM is dropped); anything else is read as Windows-1252, with a warning.
fn decode_csv(bytes: &[u8], name: &str, warnings: &mut Vec<Problem>) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        Err(err) => {
            let line =
                bytes[..err.valid_up_to()].iter().filter(|&&b| b == b'\n').count() + 1;
            warnings.push(
                Problem::file(
                    name,
                    format!("the file is not UTF-8 (first at line {line}); read it as Windows-1252"),
                )
                .with_hint("save the CSV as \"CSV UTF-8\" so accented letters are certain"),
            );
            encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes).0.into_owned()
        }
    }
}

/// Lays rows of text into a range; empty strings stay empty cells.
fn text_range(rows: Vec<Vec<String>>) -> Range<Data> {
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    if rows.is_empty() || width == 0 {
        return Range::empty();
    }
    let mut range = Range::new((0, 0), (rows.len() as u32 - 1, width as u32 - 1));
    for (r, row) in rows.into_iter().enumerate() {
        for (c, text) in row.into_iter().enumerate() {
            if !text.is_empty() {
                range.set_value((r as u32, c as u32), Data::String(text));
            }
        }
    }
    range
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_1252_is_read_with_a_warning_naming_the_line() {
        let mut warnings = Vec::new();
        let text = decode_csv(b"id,name\nP-1,Caf\xe9\n", "x.csv", &mut warnings);
        assert_eq!(text, "id,name\nP-1,Café\n");
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].problem.contains("line 2"), "{}", warnings[0].problem);
    }

    #[test]
    fn bom_is_dropped() {
        let mut warnings = Vec::new();
        assert_eq!(decode_csv(b"\xEF\xBB\xBFid\r\n", "x.csv", &mut warnings), "id\r\n");
        assert!(warnings.is_empty());
    }
}
