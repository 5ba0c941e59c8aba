//! `partnerdocs run`: the main job, every stage over every partnership.

use std::collections::HashSet;
use std::fs::{File, TryLockError};
use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use tracing::{error, info, warn};

use crate::board;
use crate::cli::check::{outcome, print_problems, read_intake};
use crate::cli::templates;
use crate::cli::{Outcome, Settings};
use crate::outputs::agreements::{
    write_agreements, AgreementFiles, AgreementJob, AgreementTemplates, PreviousRun,
};
use crate::outputs::board::{write_board, BoardJob, BoardWritten, EarlyAttachments};
use crate::outputs::manifest::{Manifest, MANIFEST};
use crate::outputs::report::{self, ReportCounts, ReportRow};
use crate::outputs::summary::ExtraColumn;
use crate::outputs::writer::{OutputWriter, WriteOutcome, STATE_FOLDER};
use crate::outputs::{self, archive};
use crate::pdf::PdfMaker;
use crate::rubric;

/// What one run did, for the closing summary and `runs.log`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunSummary {
    pub outcome: Option<Outcome>,
    pub rows_read: usize,
    pub accepted: usize,
    pub rejected: usize,
    /// Accepted partnerships at each level: low, medium, high.
    pub levels: [usize; 3],
    pub board_notification: usize,
    pub board_approval: usize,
    pub documents_written: usize,
    pub documents_unchanged: usize,
    /// Files kept because staff changed them by hand.
    pub documents_kept: usize,
    pub archived: usize,
    /// Each Board meeting's line, then the unscheduled partnerships' line.
    pub board_lines: Vec<String>,
    pub seconds: f64,
}

impl RunSummary {
    /// The summary as lines staff read.
    pub fn lines(&self) -> Vec<String> {
        let [low, medium, high] = self.levels;
        let mut documents = format!(
            "documents: {} written, {} unchanged, {} archived",
            self.documents_written, self.documents_unchanged, self.archived
        );
        if self.documents_kept > 0 {
            documents += &format!(", {} kept as edited by hand", self.documents_kept);
        }
        vec![
            format!(
                "partnerships: {} read, {} accepted, {} rejected",
                self.rows_read, self.accepted, self.rejected
            ),
            format!("intensity: {low} low, {medium} medium, {high} high"),
            format!(
                "Board: {} to notify, {} needing approval",
                self.board_notification, self.board_approval
            ),
        ]
        .into_iter()
        .chain(self.board_lines.iter().cloned())
        .chain([documents, format!("time: {:.1} s", self.seconds)])
        .collect()
    }
}

/// `partnerdocs run`: one run, its summary printed.
pub fn run(settings: &Settings) -> anyhow::Result<Outcome> {
    let summary = run_once(settings)?;
    if !settings.quiet {
        for line in summary.lines() {
            println!("{line}");
        }
    }
    Ok(summary.outcome.unwrap_or(Outcome::Failed))
}

/// Takes the outputs folder for this run, refusing when another run holds it.
fn lock_outputs(outputs: &Path) -> anyhow::Result<File> {
    let state = outputs.join(STATE_FOLDER);
    std::fs::create_dir_all(&state)
        .with_context(|| format!("failed to make the folder {}", state.display()))?;
    let path = state.join("lock");
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("failed to open {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(TryLockError::WouldBlock) => anyhow::bail!(
            "another partnerdocs run is writing to {}; wait for it to finish and run again",
            outputs.display()
        ),
        Err(TryLockError::Error(err)) => {
            Err(err).with_context(|| format!("failed to lock {}", path.display()))
        }
    }
}

/// A progress bar on a terminal; nothing otherwise (the logs say when each stage ends).
pub fn progress_bar(
    settings: &Settings,
    length: u64,
    stage: &str,
) -> indicatif::ProgressBar {
    if settings.quiet || !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        return indicatif::ProgressBar::hidden();
    }
    let style = indicatif::ProgressStyle::with_template(
        "{prefix:>10} [{bar:30}] {pos}/{len} partnerships, {per_sec}, {eta} left",
    )
    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
    .progress_chars("=> ");
    indicatif::ProgressBar::new(length).with_style(style).with_prefix(stage.to_string())
}

/// Removes temporary files a killed run left behind.
fn clear_temporary_files(outputs: &Path) {
    let temp = outputs.join(STATE_FOLDER).join("tmp");
    for entry in std::fs::read_dir(&temp).into_iter().flatten().flatten() {
        let _ = std::fs::remove_file(entry.path());
    }
}

/// Reads the inputs, scores every partnership, fills its documents and writes the outputs.
pub fn run_once(settings: &Settings) -> anyhow::Result<RunSummary> {
    let started = Instant::now();
    let mut summary = RunSummary::default();
    let templates = match templates::load(settings) {
        Ok(templates) => templates,
        Err(errors) => {
            templates::report(&errors);
            summary.outcome = Some(Outcome::Failed);
            return Ok(summary);
        }
    };
    let pdf = match settings.pdf.then(|| PdfMaker::new(&settings.config.pdf)) {
        Some(Ok(maker)) => Some(maker),
        Some(Err(err)) => anyhow::bail!("{err}"),
        None => None,
    };
    let intake = read_intake(settings)?;
    if !settings.quiet {
        print_problems(&intake);
    }
    let assessed = rubric::assess_all(&intake.partnerships, &settings.config);
    let rows: Vec<_> = intake.partnerships.iter().zip(&assessed).collect();

    let outputs = &settings.outputs;
    let _lock = lock_outputs(outputs)?;
    clear_temporary_files(outputs);
    let previous = Manifest::load(outputs);
    let writer = OutputWriter::new(outputs, &previous, settings.force)
        .with_context(|| format!("failed to prepare {}", outputs.display()))?;

    let previous_run = PreviousRun::new(&previous);
    let job = AgreementJob {
        writer: &writer,
        previous: &previous_run,
        templates: AgreementTemplates { moa: &templates.moa, matrix: &templates.matrix },
        config: &settings.config,
        as_of: settings.as_of,
        force: settings.force,
        pdf: pdf.as_ref(),
        progress: progress_bar(settings, rows.len() as u64, "documents"),
    };
    let schedule = board::schedule(&rows, &settings.config.board, settings.as_of);
    let board_job = board_job(settings, &templates, &writer, &previous, &pdf);
    let early = EarlyAttachments::start(&board_job, &schedule, &rows);
    let written = write_agreements(&job, &rows);
    job.progress.finish_and_clear();
    info!(
        partnerships = rows.len(),
        seconds = format!("{:.1}", started.elapsed().as_secs_f64()),
        "filled the documents"
    );
    for failure in written.failures.iter().chain(&written.pdf_failures) {
        error!("{failure}");
    }
    report_pdf_warnings(&written.pdf_warnings);

    let mut keep: HashSet<String> = intake.rejected_ids.clone();
    for (file, (partnership, _)) in written.files.iter().zip(&rows) {
        if file.is_none() {
            keep.insert(partnership.partnership_id.to_lowercase());
        }
    }
    let tidied = archive::tidy(outputs, &previous, &written.partnerships, &keep)
        .with_context(|| {
            format!("failed to archive old documents in {}", outputs.display())
        })?;

    let board =
        write_board_files(&board_job, &early, settings, &schedule, &rows, &written.files);

    let mut outcomes = written.outcomes.clone();
    outcomes.extend(board.outcomes.iter().cloned());
    outcomes.extend(write_tables(&writer, &rows, &written.files, &intake.problems)?);
    let counts = report_counts(&intake, &assessed, &written.outcomes, outputs);
    outcomes.push(write_report(
        &writer,
        settings,
        &rows,
        &written.files,
        &counts,
        &intake.problems,
    )?);
    for outcome in &outcomes {
        if let WriteOutcome::KeptEdited(record) = outcome {
            warn!(
                "kept {}: it was changed by hand since the last run; use --force to replace it",
                record.path
            );
        }
    }

    let mut manifest = Manifest {
        generator: format!("partnerdocs {}", env!("CARGO_PKG_VERSION")),
        partnerships: written.partnerships.clone(),
        files: outcomes.iter().map(|o| o.record().clone()).collect(),
    };
    manifest.partnerships.extend(tidied.kept_partnerships);
    manifest.files.extend(tidied.kept_files);
    manifest.files.extend(board.kept.iter().cloned());
    write_manifest(outputs, &manifest)?;
    outputs::sync_all(outputs)
        .with_context(|| format!("failed to flush {} to disk", outputs.display()))?;
    writer.finish().with_context(|| format!("failed to finish {}", outputs.display()))?;

    summary.rows_read = intake.stats.rows_read;
    summary.accepted = intake.partnerships.len();
    summary.rejected = intake.stats.rows_rejected;
    for assessment in &assessed {
        summary.levels[assessment.intensity as usize] += 1;
        summary.board_notification += usize::from(assessment.routing.board_notification);
        summary.board_approval += usize::from(assessment.routing.board_approval);
    }
    for outcome in &written.outcomes {
        match outcome {
            WriteOutcome::Written(_) => summary.documents_written += 1,
            WriteOutcome::Unchanged(_) => summary.documents_unchanged += 1,
            WriteOutcome::KeptEdited(_) => summary.documents_kept += 1,
        }
    }
    summary.archived = tidied.archived.len();
    summary.board_lines = crate::outputs::board::summary_lines(&board);
    summary.seconds = started.elapsed().as_secs_f64();
    info!(
        written = summary.documents_written,
        unchanged = summary.documents_unchanged,
        archived = summary.archived,
        "run finished"
    );
    summary.outcome = Some(
        if written.failures.is_empty()
            && written.pdf_failures.is_empty()
            && board.failures.is_empty()
        {
            outcome(&intake)
        } else {
            Outcome::Rejected
        },
    );
    Ok(summary)
}

/// Assigns the partnerships the Board hears of to meetings and writes each meeting's
/// attachment and packet, and `board.csv`.
fn write_board_files(
    job: &BoardJob<'_>,
    early: &EarlyAttachments,
    settings: &Settings,
    schedule: &board::Schedule,
    rows: &[(&crate::intake::Partnership, &rubric::Assessment)],
    files: &[Option<AgreementFiles>],
) -> BoardWritten {
    let started = Instant::now();
    for (row, date) in &schedule.past {
        if let Some((partnership, _)) = rows.get(*row) {
            warn!(
                "{} ({}): its board_meeting {date} is before the run date {}; its \
                 attachment is made for that meeting all the same",
                partnership.partnership_id, partnership.source, settings.as_of
            );
        }
    }
    let written = write_board(job, early, schedule, rows, files);
    for failure in &written.failures {
        error!("{failure}");
    }
    for warning in &written.warnings {
        warn!("{warning}");
    }
    info!(
        meetings = written.meetings.len(),
        unscheduled = written.unscheduled,
        seconds = format!("{:.1}", started.elapsed().as_secs_f64()),
        "wrote the Board's files"
    );
    written
}

/// What the Board stage works with.
fn board_job<'a>(
    settings: &'a Settings,
    templates: &'a templates::Templates,
    writer: &'a OutputWriter,
    previous: &'a Manifest,
    pdf: &'a Option<PdfMaker>,
) -> BoardJob<'a> {
    BoardJob {
        writer,
        previous,
        template: templates.board.as_ref(),
        template_name: &settings.config.templates.board_attachment,
        config: &settings.config,
        as_of: settings.as_of,
        pdf: pdf.as_ref(),
    }
}

/// Logs each distinct PDF warning once, with how many documents had it and the first.
fn report_pdf_warnings(warnings: &[(String, String)]) {
    let mut by_text: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    for (document, warning) in warnings {
        by_text.entry(warning).or_default().push(document);
    }
    for (warning, documents) in by_text {
        match documents.as_slice() {
            [one] => warn!("{one}: {warning}"),
            [first, rest @ ..] => {
                let others = if rest.len() == 1 { "PDF" } else { "PDFs" };
                warn!("{first} and {} other {others}: {warning}", rest.len())
            }
            [] => {}
        }
    }
}

/// Writes `summary.csv` and `rejected.csv`.
fn write_tables(
    writer: &OutputWriter,
    rows: &[(&crate::intake::Partnership, &rubric::Assessment)],
    files: &[Option<AgreementFiles>],
    problems: &[crate::intake::Problem],
) -> anyhow::Result<Vec<WriteOutcome>> {
    let cell = |pick: fn(&AgreementFiles) -> &String| {
        files.iter().map(|f| f.as_ref().map(pick).cloned().unwrap_or_default()).collect()
    };
    let extra = [
        ExtraColumn { header: "moa_docx".into(), cells: cell(|f| &f.moa_docx) },
        ExtraColumn { header: "matrix_docx".into(), cells: cell(|f| &f.matrix_docx) },
        ExtraColumn { header: "moa_pdf".into(), cells: cell(|f| &f.moa_pdf) },
        ExtraColumn { header: "matrix_pdf".into(), cells: cell(|f| &f.matrix_pdf) },
    ];
    let mut summary = Vec::new();
    outputs::summary::write_summary_with(&mut summary, rows, &extra)?;
    let mut rejected = Vec::new();
    outputs::rejected::write_rejected(&mut rejected, problems)?;

    let mut outcomes = Vec::new();
    for (name, kind, bytes) in
        [("summary.csv", "summary", summary), ("rejected.csv", "rejected", rejected)]
    {
        let outcome = writer
            .write(name, kind, None, &bytes)
            .with_context(|| format!("failed to write {name}"))?;
        outcomes.push(outcome);
    }
    Ok(outcomes)
}

/// The counts the report shows (the run's time is left out: the page must not change
/// between runs with the same inputs).
fn report_counts(
    intake: &crate::intake::Intake,
    assessed: &[rubric::Assessment],
    outcomes: &[WriteOutcome],
    outputs: &Path,
) -> ReportCounts {
    let archived_folders = std::fs::read_dir(outputs.join("archive"))
        .map(|entries| entries.flatten().filter(|e| e.path().is_dir()).count())
        .unwrap_or(0);
    let mut counts = ReportCounts {
        rows_read: intake.stats.rows_read,
        accepted: intake.partnerships.len(),
        rejected: intake.stats.rows_rejected,
        archived_folders,
        ..ReportCounts::default()
    };
    for assessment in assessed {
        counts.levels[assessment.intensity as usize] += 1;
        counts.board_notification += usize::from(assessment.routing.board_notification);
        counts.board_approval += usize::from(assessment.routing.board_approval);
    }
    for outcome in outcomes {
        counts.documents += 1;
        if let WriteOutcome::KeptEdited(_) = outcome {
            counts.documents_edited += 1;
        }
    }
    counts
}

/// Writes `report.html`.
fn write_report(
    writer: &OutputWriter,
    settings: &Settings,
    rows: &[(&crate::intake::Partnership, &rubric::Assessment)],
    files: &[Option<AgreementFiles>],
    counts: &ReportCounts,
    problems: &[crate::intake::Problem],
) -> anyhow::Result<WriteOutcome> {
    let report_rows: Vec<ReportRow> = rows
        .iter()
        .zip(files)
        .map(|((partnership, assessment), files)| ReportRow {
            partnership,
            assessment,
            documents: files
                .iter()
                .flat_map(|f| {
                    [
                        ("MOA (Word)", &f.moa_docx),
                        ("MOA (PDF)", &f.moa_pdf),
                        ("Matrix (Word)", &f.matrix_docx),
                        ("Matrix (PDF)", &f.matrix_pdf),
                    ]
                })
                .filter(|(_, path)| !path.is_empty())
                .map(|(label, path)| (label.to_string(), path.clone()))
                .collect(),
        })
        .collect();
    let mut html = Vec::new();
    report::write_report(
        &mut html,
        &settings.config.district.name,
        settings.as_of,
        counts,
        &report_rows,
        problems,
    )?;
    writer
        .write("report.html", "report", None, &html)
        .context("failed to write report.html")
}

/// Writes `manifest.json` when its content changed.
fn write_manifest(outputs: &Path, manifest: &Manifest) -> anyhow::Result<()> {
    let path = outputs.join(MANIFEST);
    let json = manifest.to_json();
    if std::fs::read(&path).is_ok_and(|existing| existing == json) {
        return Ok(());
    }
    outputs::write_atomic(&path, |out| out.write_all(&json))
        .with_context(|| format!("failed to write {}", path.display()))
}
