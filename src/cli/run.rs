//! `partnerdocs run`: the main job, every stage over every partnership.

use std::time::Instant;

use anyhow::Context;
use tracing::{error, info};

use crate::cli::check::{outcome, print_problems, read_intake};
use crate::cli::templates;
use crate::cli::{Outcome, Settings};
use crate::outputs::agreements::{write_agreements, AgreementTemplates};
use crate::outputs::summary::ExtraColumn;
use crate::outputs::{self, write_atomic};
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
    pub archived: usize,
    pub seconds: f64,
}

impl RunSummary {
    /// The summary as lines staff read.
    pub fn lines(&self) -> Vec<String> {
        let [low, medium, high] = self.levels;
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
            format!(
                "documents: {} written, {} unchanged, {} archived",
                self.documents_written, self.documents_unchanged, self.archived
            ),
            format!("time: {:.1} s", self.seconds),
        ]
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
    let intake = read_intake(settings)?;
    if !settings.quiet {
        print_problems(&intake);
    }

    let assessed = rubric::assess_all(&intake.partnerships, &settings.config);
    let rows: Vec<_> = intake.partnerships.iter().zip(&assessed).collect();

    let agreement_templates = AgreementTemplates { moa: &templates.moa, matrix: &templates.matrix };
    let written = write_agreements(
        &settings.outputs,
        &rows,
        &agreement_templates,
        &settings.config,
        settings.as_of,
    );
    for failure in &written.failures {
        error!("{failure}");
    }
    let documents = written.files.iter().flatten().count() * 2;
    info!(documents, "wrote the agreements");

    let cell = |pick: fn(&outputs::agreements::AgreementFiles) -> &String| {
        written.files.iter().map(|f| f.as_ref().map(pick).cloned().unwrap_or_default()).collect()
    };
    let extra = [
        ExtraColumn { header: "moa_docx".into(), cells: cell(|f| &f.moa_docx) },
        ExtraColumn { header: "matrix_docx".into(), cells: cell(|f| &f.matrix_docx) },
    ];
    let summary_path = settings.outputs.join("summary.csv");
    write_atomic(&summary_path, |out| {
        outputs::summary::write_summary_with(out, &rows, &extra).map_err(std::io::Error::other)
    })
    .with_context(|| format!("failed to write {}", summary_path.display()))?;
    let rejected_path = settings.outputs.join("rejected.csv");
    write_atomic(&rejected_path, |out| {
        outputs::rejected::write_rejected(out, &intake.problems).map_err(std::io::Error::other)
    })
    .with_context(|| format!("failed to write {}", rejected_path.display()))?;
    outputs::sync_all(&settings.outputs)
        .with_context(|| format!("failed to flush {} to disk", settings.outputs.display()))?;

    summary.rows_read = intake.stats.rows_read;
    summary.accepted = intake.partnerships.len();
    summary.rejected = intake.stats.rows_rejected;
    for assessment in &assessed {
        summary.levels[assessment.intensity as usize] += 1;
        summary.board_notification += usize::from(assessment.routing.board_notification);
        summary.board_approval += usize::from(assessment.routing.board_approval);
    }
    summary.documents_written = documents;
    summary.seconds = started.elapsed().as_secs_f64();
    summary.outcome = Some(if written.failures.is_empty() {
        outcome(&intake)
    } else {
        Outcome::Rejected
    });
    Ok(summary)
}
