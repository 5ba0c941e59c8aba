//! Reading a workbook or CSV file into the sheets the intake schema uses.

use std::io::{Read, Seek};
use std::path::{Path, PathBuf};

use calamine::{Data, Reader};

use crate::config::IntakeConfig;
use crate::intake::files::{FileKind, InputFile};
use crate::intake::problem::Problem;

/// Where rows come from: the file (relative to the inputs folder) and the sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    pub file: String,
    pub sheet: String,
}

impl Sheet {
    /// A problem with this whole sheet.
    pub fn problem(&self, message: impl Into<String>) -> Problem {
        Problem::sheet(&self.file, &self.sheet, message)
    }
}

/// Receives one sheet's non-empty rows in order, each with the row number staff see.
pub trait RowSink {
    /// The sheet whose rows follow.
    fn start(&mut self, sheet: Sheet);
    /// One row; cells past the last one filled are left out.
    fn row(&mut self, number: u32, cells: Vec<Data>);
}

/// Reads one input file, handing the Partnerships rows and the Decisions rows (if the file
/// has any) to their sinks. Returns warnings that did not stop the file.
///
/// `.xlsx` and `.xlsm` sheets are streamed cell by cell, so a large workbook is never held
/// in memory whole; the other formats are read a sheet at a time.
pub fn read_input(
    input: &InputFile,
    config: &IntakeConfig,
    partnerships: &mut dyn RowSink,
    decisions: &mut dyn RowSink,
) -> Result<Vec<Problem>, Problem> {
    match input.kind {
        FileKind::Csv => read_csv_input(input, partnerships, decisions),
        _ => read_workbook(input, config, partnerships, decisions).map(|()| Vec::new()),
    }
}

fn read_workbook(
    input: &InputFile,
    config: &IntakeConfig,
    partnerships: &mut dyn RowSink,
    decisions: &mut dyn RowSink,
) -> Result<(), Problem> {
    let mut workbook = calamine::open_workbook_auto(&input.path)
        .map_err(|err| workbook_problem(input, err))?;
    let names = workbook.sheet_names();
    let by_name =
        |wanted: &str| names.iter().find(|name| name.trim().eq_ignore_ascii_case(wanted));
    let main = match by_name(&config.sheet).or(names.first()) {
        Some(name) => name.clone(),
        None => return Err(Problem::file(&input.name, "the workbook has no sheets")),
    };
    let decisions_sheet =
        by_name(&config.decisions_sheet).filter(|name| **name != main).cloned();

    read_sheet(&mut workbook, input, &main, partnerships)?;
    if let Some(name) = decisions_sheet {
        read_sheet(&mut workbook, input, &name, decisions)?;
    }
    Ok(())
}

fn read_sheet<R: Read + Seek>(
    workbook: &mut calamine::Sheets<R>,
    input: &InputFile,
    name: &str,
    sink: &mut dyn RowSink,
) -> Result<(), Problem> {
    let sheet = Sheet { file: input.name.clone(), sheet: name.to_string() };
    let failed = |err: String| sheet.problem(format!("failed to read the sheet: {err}"));
    sink.start(sheet.clone());
    if let calamine::Sheets::Xlsx(xlsx) = workbook {
        match xlsx.worksheet_cells_reader(name) {
            Ok(mut cells) => {
                return stream_cells(&mut cells, sink).map_err(|e| failed(e.to_string()))
            }
            // A chart sheet or the like: the whole-sheet reader below knows what to do.
            Err(calamine::XlsxError::NotAWorksheet(_)) => {}
            Err(err) => return Err(failed(err.to_string())),
        }
    }
    let range = workbook.worksheet_range(name).map_err(|err| failed(err.to_string()))?;
    let first_row = range.start().map_or(0, |(row, _)| row);
    for (number, cells) in (first_row + 1..).zip(range.rows()) {
        if !is_empty_row(cells) {
            sink.row(number, trimmed_row(cells));
        }
    }
    Ok(())
}

/// Hands a streamed worksheet to `sink` a row at a time.
fn stream_cells<R: Read + Seek>(
    reader: &mut calamine::XlsxCellReader<'_, R>,
    sink: &mut dyn RowSink,
) -> Result<(), calamine::XlsxError> {
    let mut current: Option<(u32, Vec<Data>)> = None;
    while let Some(cell) = reader.next_cell()? {
        let (row, column) = cell.get_position();
        let value: Data = cell.get_value().clone().into();
        if current.as_ref().is_some_and(|(number, _)| *number != row + 1) {
            if let Some((number, cells)) = current.take() {
                emit_row(sink, number, cells);
            }
        }
        let (_, cells) = current.get_or_insert_with(|| (row + 1, Vec::new()));
        let column = column as usize;
        if cells.len() <= column {
            cells.resize(column + 1, Data::Empty);
        }
        cells[column] = value;
    }
    if let Some((number, cells)) = current {
        emit_row(sink, number, cells);
    }
    Ok(())
}

fn emit_row(sink: &mut dyn RowSink, number: u32, cells: Vec<Data>) {
    if !is_empty_row(&cells) {
        sink.row(number, cells);
    }
}

/// A row's cells up to the last one filled.
fn trimmed_row(cells: &[Data]) -> Vec<Data> {
    let len = cells.iter().rposition(|cell| *cell != Data::Empty).map_or(0, |i| i + 1);
    cells[..len].to_vec()
}

/// Whether every cell of a row is empty or blank (such rows are skipped).
pub fn is_empty_row(cells: &[Data]) -> bool {
    cells.iter().all(|cell| match cell {
        Data::Empty => true,
        Data::String(text) => text.trim().is_empty(),
        _ => false,
    })
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

fn read_csv_input(
    input: &InputFile,
    partnerships: &mut dyn RowSink,
    decisions: &mut dyn RowSink,
) -> Result<Vec<Problem>, Problem> {
    let mut warnings = Vec::new();
    read_csv(&input.path, &input.name, &mut warnings, partnerships)?;
    let sibling = decisions_sibling(&input.path).filter(|path| path.is_file());
    if let Some(path) = sibling {
        let name = sibling_name(&input.name, &path);
        read_csv(&path, &name, &mut warnings, decisions)?;
    }
    Ok(warnings)
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

/// Reads a CSV file as text cells; the sheet is named after the file.
fn read_csv(
    path: &Path,
    name: &str,
    warnings: &mut Vec<Problem>,
    sink: &mut dyn RowSink,
) -> Result<(), Problem> {
    let bytes = std::fs::read(path)
        .map_err(|err| Problem::file(name, format!("failed to read the file: {err}")))?;
    let text = decode_csv(&bytes, name, warnings);
    drop(bytes);
    let stem = Path::new(name).file_stem().map(|s| s.to_string_lossy().into_owned());
    let sheet =
        Sheet { file: name.to_string(), sheet: stem.unwrap_or_else(|| name.to_string()) };
    sink.start(sheet.clone());

    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    for (number, record) in (1..).zip(reader.records()) {
        let record = record.map_err(|err| {
            let line =
                err.position().map_or(String::new(), |p| format!(" at line {}", p.line()));
            sheet
                .problem(format!("failed to read the CSV{line}: {err}"))
                .with_hint("check that quotes around values are paired")
        })?;
        let cells: Vec<Data> =
            record
                .iter()
                .map(|field| {
                    if field.is_empty() {
                        Data::Empty
                    } else {
                        Data::String(field.into())
                    }
                })
                .collect();
        emit_row(sink, number, cells);
    }
    Ok(())
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
