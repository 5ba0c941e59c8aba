//! Turning a sheet's rows, as they stream in, into checked records a chunk at a time.

use calamine::Data;
use rayon::prelude::*;

use crate::intake::decisions::{self, DecisionRow};
use crate::intake::field::{DecisionField, Field};
use crate::intake::header::{self, ColumnMap, HeaderError, KnownColumn};
use crate::intake::problem::Problem;
use crate::intake::record::Partnership;
use crate::intake::row;
use crate::intake::sheets::{RowSink, Sheet};
use crate::intake::value;

/// How many rows are checked together, in parallel; at most one chunk waits in memory.
const ROW_CHUNK: usize = 2048;

/// What to do with each chunk of rows below the header.
type Process<F, Out> = fn(&Sheet, &ColumnMap<F>, Vec<(u32, Vec<Data>)>, &mut Out);

/// Finds a sheet's header among its first rows, then hands the rows below it on in chunks.
pub struct SheetReader<'a, F, Out> {
    known: &'a [KnownColumn<F>],
    search_rows: u32,
    sheet: Option<Sheet>,
    first_row: Option<u32>,
    pending: Vec<(u32, Vec<Data>)>,
    header: Option<Result<ColumnMap<F>, HeaderError>>,
    chunk: Vec<(u32, Vec<Data>)>,
    process: Process<F, Out>,
    out: Out,
}

/// How a sheet's reading ended.
pub struct SheetOutcome<F, Out> {
    /// What the chunks produced.
    pub out: Out,
    /// The sheet, when the file had one for this reader.
    pub sheet: Option<Sheet>,
    /// The header found, or why none was.
    pub header: Option<Result<ColumnMap<F>, HeaderError>>,
}

impl<'a, F: Copy + PartialEq, Out> SheetReader<'a, F, Out> {
    /// A reader matching headers against `known` in the first `search_rows` rows.
    pub fn new(
        known: &'a [KnownColumn<F>],
        search_rows: usize,
        process: Process<F, Out>,
        out: Out,
    ) -> Self {
        SheetReader {
            known,
            search_rows: u32::try_from(search_rows).unwrap_or(u32::MAX),
            sheet: None,
            first_row: None,
            pending: Vec::new(),
            header: None,
            chunk: Vec::new(),
            process,
            out,
        }
    }

    /// Checks what is left and returns everything read.
    pub fn finish(mut self) -> SheetOutcome<F, Out> {
        if self.sheet.is_some() && self.header.is_none() {
            self.decide_header();
        }
        self.flush();
        SheetOutcome { out: self.out, sheet: self.sheet, header: self.header }
    }

    /// Picks the header among the rows held back, then queues the rows below it.
    fn decide_header(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        let header = header::find_header(&pending, self.known);
        if let Ok(map) = &header {
            let below = pending.into_iter().filter(|(number, _)| *number > map.header_row);
            self.chunk.extend(below);
        }
        self.header = Some(header);
    }

    fn flush(&mut self) {
        let (Some(sheet), Some(Ok(map))) = (&self.sheet, &self.header) else {
            return;
        };
        let rows = std::mem::take(&mut self.chunk);
        if !rows.is_empty() {
            (self.process)(sheet, map, rows, &mut self.out);
        }
    }
}

impl<F: Copy + PartialEq, Out> RowSink for SheetReader<'_, F, Out> {
    fn start(&mut self, sheet: Sheet) {
        self.sheet = Some(sheet);
    }

    fn row(&mut self, number: u32, cells: Vec<Data>) {
        if self.header.is_none() {
            let first = *self.first_row.get_or_insert(number);
            if number < first.saturating_add(self.search_rows) {
                self.pending.push((number, cells));
                return;
            }
            self.decide_header();
        }
        if let Some(Ok(map)) = &self.header {
            if number > map.header_row {
                self.chunk.push((number, cells));
            }
        }
        if self.chunk.len() >= ROW_CHUNK {
            self.flush();
        }
    }
}

/// What the Partnerships sheet of one file gave.
#[derive(Debug, Default)]
pub struct PartnershipRows {
    pub partnerships: Vec<Partnership>,
    pub problems: Vec<Problem>,
    /// The partnership IDs of rejected rows, lowercased.
    pub rejected_ids: Vec<String>,
    pub rows_read: usize,
    pub rows_rejected: usize,
}

/// Checks a chunk of partnership rows in parallel, keeping their order.
pub fn check_partnerships(
    sheet: &Sheet,
    map: &ColumnMap<Field>,
    rows: Vec<(u32, Vec<Data>)>,
    out: &mut PartnershipRows,
) {
    out.rows_read += rows.len();
    let checked: Vec<_> = rows
        .par_iter()
        .map(|(number, cells)| row::read_partnership(sheet, map, *number, cells))
        .collect();
    let id_column = map.find(Field::PartnershipId).map(|(index, _)| index);
    for ((_, cells), outcome) in rows.iter().zip(checked) {
        match outcome {
            Ok(partnership) => out.partnerships.push(partnership),
            Err(problems) => {
                let id = id_column.and_then(|i| cells.get(i)).map(value::display);
                out.rejected_ids.extend(id.map(|id| id.trim().to_lowercase()));
                out.rows_rejected += 1;
                out.problems.extend(problems);
            }
        }
    }
}

/// What the Decisions sheet of one file gave.
#[derive(Debug, Default)]
pub struct DecisionRows {
    pub rows: Vec<DecisionRow>,
    pub problems: Vec<Problem>,
}

/// Checks a chunk of Decisions rows.
pub fn check_decisions(
    sheet: &Sheet,
    map: &ColumnMap<DecisionField>,
    rows: Vec<(u32, Vec<Data>)>,
    out: &mut DecisionRows,
) {
    for (number, cells) in rows {
        match decisions::read_decision(sheet, map, number, &cells) {
            Ok(row) => out.rows.push(row),
            Err(problems) => out.problems.extend(problems),
        }
    }
}

/// Warnings about a header that was found: columns named twice.
pub fn header_warnings<F>(sheet: &Sheet, map: &ColumnMap<F>) -> Vec<Problem> {
    let warning = |(header, name): &(String, &str)| {
        sheet
            .problem(format!("column \"{header}\" names {name} again; it is ignored"))
            .with_hint("remove or rename the repeated column")
    };
    map.repeated.iter().map(warning).collect()
}

/// Why a sheet's rows could not be read: no header, or required columns missing.
pub fn header_problem(sheet: &Sheet, err: &HeaderError) -> Problem {
    match err {
        HeaderError::NotFound { searched: 0 } => {
            sheet.problem("the sheet is empty").with_hint("fill it in, or remove the file")
        }
        HeaderError::NotFound { searched } => sheet
            .problem(format!("no header row found in the first {searched} rows"))
            .with_hint(
                "the header row names the columns, e.g. Partnership ID, Program Name, \
                 Partner Name; see the README for every column",
            ),
        HeaderError::Missing { header_row, missing } => {
            let listed: Vec<String> = missing
                .iter()
                .map(|(name, closest)| match closest {
                    Some(header) => format!("{name} (closest header: \"{header}\")"),
                    None => name.to_string(),
                })
                .collect();
            let problem = Problem {
                row: Some(*header_row),
                ..sheet.problem(format!("missing required columns: {}", listed.join(", ")))
            };
            problem.with_hint(
                "rename the headers, or add the sheet's wording under [intake.aliases] \
                 in partnerdocs.toml",
            )
        }
    }
}
