//! Intake: reads every spreadsheet in the inputs folder and checks every row.
//!
//! One bad file or row never stops the others: each problem is recorded with its file,
//! sheet, row and column, and every valid row goes on to the later stages.

mod decisions;
mod field;
mod files;
mod header;
mod problem;
mod reader;
mod record;
mod row;
mod sheets;
pub mod value;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use tracing::{debug, info, warn};

pub use field::{normalize_header, DecisionField, Field};
pub use files::{
    is_input_file, is_visible, list_inputs, FileKind, InputFile, Limits, Listing,
};
pub use problem::Problem;
pub use record::{DataShared, Decision, Money, Partnership, ProgramScope, Source};

use crate::config::{Config, IntakeConfig};
use decisions::DecisionRow;
use header::KnownColumn;
use reader::{DecisionRows, PartnershipRows, SheetReader};

/// The intake stage could not start at all.
#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    #[error("failed to read the inputs folder {path}: {source}")]
    Folder { path: PathBuf, source: std::io::Error },
}

/// What the intake stage read.
#[derive(Debug, Default)]
pub struct Intake {
    /// Accepted partnerships, in file order then row order.
    pub partnerships: Vec<Partnership>,
    /// Rejected rows and files that could not be read, in file order then row order.
    pub problems: Vec<Problem>,
    /// Things staff should know that rejected nothing.
    pub warnings: Vec<Problem>,
    /// Counts for the run summary.
    pub stats: IntakeStats,
    /// The partnership IDs of rejected rows, lowercased: their earlier outputs are kept.
    pub rejected_ids: HashSet<String>,
}

/// Counts for the run summary.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct IntakeStats {
    /// Spreadsheets found in the inputs folder.
    pub files_found: usize,
    /// Spreadsheets that could not be read at all.
    pub files_failed: usize,
    /// Files left alone: lock files, hidden files, other endings.
    pub files_skipped: Vec<String>,
    /// Non-empty partnership rows read.
    pub rows_read: usize,
    /// Partnership rows rejected.
    pub rows_rejected: usize,
    /// Decision-Making Matrix rows attached to accepted partnerships.
    pub decision_rows: usize,
}

impl Intake {
    /// Whether anything at all was rejected.
    pub fn has_problems(&self) -> bool {
        !self.problems.is_empty()
    }
}

/// Reads and checks every spreadsheet in `dir`.
pub fn read_inputs(dir: &Path, config: &Config) -> Result<Intake, IntakeError> {
    let listing = list_inputs(dir)
        .map_err(|source| IntakeError::Folder { path: dir.into(), source })?;
    info!(files = listing.inputs.len(), folder = %dir.display(), "found input spreadsheets");
    for skipped in &listing.skipped {
        debug!(file = %skipped, "skipped: lock file, hidden file or not a spreadsheet");
    }

    let columns = Columns::new(&config.intake);
    let results: Vec<FileIntake> = listing
        .inputs
        .par_iter()
        .map(|input| read_file(input, &config.intake, &columns))
        .collect();

    let mut intake = Intake::default();
    intake.stats.files_found = listing.inputs.len();
    intake.stats.files_skipped = listing.skipped;
    combine(&mut intake, results);
    info!(
        rows = intake.stats.rows_read,
        accepted = intake.partnerships.len(),
        rejected = intake.stats.rows_rejected,
        "checked partnership rows"
    );
    Ok(intake)
}

/// The known columns of both sheets, with the configured aliases.
struct Columns {
    partnerships: Vec<KnownColumn<Field>>,
    decisions: Vec<KnownColumn<DecisionField>>,
}

impl Columns {
    fn new(config: &IntakeConfig) -> Columns {
        let spellings = |name: &str| -> Vec<String> {
            let aliases = config.aliases.get(name).into_iter().flatten();
            std::iter::once(name)
                .chain(aliases.map(String::as_str))
                .map(normalize_header)
                .collect()
        };
        let partnerships = Field::ALL
            .iter()
            .map(|&field| KnownColumn {
                field,
                name: field.name(),
                required: field.is_required(),
                spellings: spellings(field.name()),
            })
            .collect();
        let decisions = DecisionField::ALL
            .iter()
            .map(|&field| KnownColumn {
                field,
                name: field.name(),
                required: field.is_required(),
                spellings: vec![normalize_header(field.name())],
            })
            .collect();
        Columns { partnerships, decisions }
    }
}

/// What one file gave.
#[derive(Default)]
struct FileIntake {
    partnerships: Vec<Partnership>,
    decisions: Vec<DecisionRow>,
    problems: Vec<Problem>,
    warnings: Vec<Problem>,
    rows_read: usize,
    rows_rejected: usize,
    failed: bool,
    /// The partnership IDs of rejected rows, lowercased.
    rejected_ids: Vec<String>,
}

fn read_file(input: &InputFile, config: &IntakeConfig, columns: &Columns) -> FileIntake {
    debug!(file = %input.name, "reading");
    let mut result = FileIntake::default();
    let limits = Limits {
        max_file_bytes: config.max_file_mb.saturating_mul(1_000_000),
        max_unzipped_bytes: config.max_unzipped_mb.saturating_mul(1_000_000),
    };
    if let Err(problem) = files::check_file(input, limits) {
        return failed_file(result, input, problem);
    }

    let search = config.header_search_rows;
    let mut partnerships = SheetReader::new(
        &columns.partnerships,
        search,
        reader::check_partnerships,
        PartnershipRows::default(),
    );
    let mut decisions = SheetReader::new(
        &columns.decisions,
        search,
        reader::check_decisions,
        DecisionRows::default(),
    );
    let read = sheets::read_input(input, config, &mut partnerships, &mut decisions);

    let partnerships = partnerships.finish();
    let rows = partnerships.out;
    result.partnerships = rows.partnerships;
    result.partnerships.shrink_to_fit();
    result.problems = rows.problems;
    result.rejected_ids = rows.rejected_ids;
    result.rows_read = rows.rows_read;
    result.rows_rejected = rows.rows_rejected;
    if let (Some(sheet), Some(header)) = (&partnerships.sheet, &partnerships.header) {
        match header {
            Ok(map) => result.warnings.extend(reader::header_warnings(sheet, map)),
            Err(err) => {
                result.failed = true;
                result.problems.push(reader::header_problem(sheet, err));
            }
        }
    }

    let decisions = decisions.finish();
    result.decisions = decisions.out.rows;
    result.problems.extend(decisions.out.problems);
    if let (Some(sheet), Some(header)) = (&decisions.sheet, &decisions.header) {
        match header {
            Ok(map) => result.warnings.extend(reader::header_warnings(sheet, map)),
            Err(err) => result.problems.push(reader::header_problem(sheet, err)),
        }
    }

    match read {
        Ok(warnings) => result.warnings.extend(warnings),
        Err(problem) => return failed_file(result, input, problem),
    }
    result
}

/// Records a file that could not be read (whatever it gave before failing is kept).
fn failed_file(mut result: FileIntake, input: &InputFile, problem: Problem) -> FileIntake {
    warn!(file = %input.name, "{}", problem.problem);
    result.failed = true;
    result.problems.push(problem);
    result
}

/// Joins the files' results in file order: drops repeated IDs and attaches decisions.
fn combine(intake: &mut Intake, results: Vec<FileIntake>) {
    // Each accepted ID, lowercased, and the index of its partnership.
    let mut first_seen: HashMap<String, usize> = HashMap::new();
    let mut rejected_ids: HashSet<String> = HashSet::new();
    let mut decisions = Vec::new();
    for result in results {
        intake.stats.rows_read += result.rows_read;
        intake.stats.rows_rejected += result.rows_rejected;
        intake.stats.files_failed += usize::from(result.failed);
        intake.problems.extend(result.problems);
        intake.warnings.extend(result.warnings);
        rejected_ids.extend(result.rejected_ids);
        decisions.extend(result.decisions);

        let mut accepted = result.partnerships;
        let mut next_index = intake.partnerships.len();
        let mut duplicates = Vec::new();
        accepted.retain(|partnership| {
            let key = partnership.partnership_id.to_lowercase();
            if let Some(&earlier) = first_seen.get(&key) {
                duplicates.push((
                    partnership.source.clone(),
                    partnership.partnership_id.clone(),
                    earlier,
                ));
                return false;
            }
            first_seen.insert(key, next_index);
            next_index += 1;
            true
        });
        if intake.partnerships.is_empty() {
            intake.partnerships = accepted;
        } else {
            intake.partnerships.append(&mut accepted);
        }
        for (source, id, earlier) in duplicates {
            intake.stats.rows_rejected += 1;
            let earlier = &intake.partnerships[earlier].source;
            intake.problems.push(duplicate_problem(&source, &id, earlier));
        }
    }
    attach_decisions(intake, decisions, &first_seen, &rejected_ids);
    intake.rejected_ids = rejected_ids;
    intake
        .problems
        .sort_by(|a, b| (&a.file, &a.sheet, a.row).cmp(&(&b.file, &b.sheet, b.row)));
}

fn duplicate_problem(source: &Source, id: &str, earlier: &Source) -> Problem {
    Problem {
        row: Some(source.row),
        column: "partnership_id".to_string(),
        value: id.to_string(),
        ..Problem::sheet(
            &source.file,
            &source.sheet,
            format!("the partnership ID is already used at {earlier}"),
        )
    }
    .with_hint("give each partnership its own ID; IDs are compared ignoring case")
}

/// Gives each accepted partnership its Decisions rows, in sheet order.
fn attach_decisions(
    intake: &mut Intake,
    rows: Vec<DecisionRow>,
    accepted: &HashMap<String, usize>,
    rejected_ids: &HashSet<String>,
) {
    for row in rows {
        let key = row.partnership_id.to_lowercase();
        if let Some(&i) = accepted.get(&key) {
            intake.partnerships[i].decisions.push(row.decision);
            intake.stats.decision_rows += 1;
        } else if !rejected_ids.contains(&key) {
            let source = &row.decision.source;
            intake.problems.push(
                Problem {
                    row: Some(source.row),
                    column: "partnership_id".to_string(),
                    value: row.partnership_id.clone(),
                    ..Problem::sheet(
                        &source.file,
                        &source.sheet,
                        "no partnership has this ID",
                    )
                }
                .with_hint("use the ID from the Partnerships sheet"),
            );
        }
    }
}
