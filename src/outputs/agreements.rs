//! `agreements/`: each partnership's MOA and Decision-Making Matrix, one folder each.

use std::collections::HashMap;

use chrono::NaiveDate;
use rayon::prelude::*;
use tracing::debug;

use crate::config::Config;
use crate::docx::{template_data, Template};
use crate::intake::Partnership;
use crate::outputs::manifest::{fingerprint, FileRecord, Manifest, PartnershipRecord};
use crate::outputs::names::{safe_name, UniqueNames};
use crate::outputs::writer::{OutputWriter, WriteOutcome};
use crate::rubric::Assessment;

/// The documents of one partnership, relative to the outputs folder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgreementFiles {
    pub moa_docx: String,
    pub matrix_docx: String,
}

/// The two templates every partnership gets.
pub struct AgreementTemplates<'a> {
    pub moa: &'a Template,
    pub matrix: &'a Template,
}

/// What writing the agreements gave, one entry per partnership in order where it matters.
#[derive(Debug, Default)]
pub struct Written {
    /// The files of each partnership; `None` where filling failed.
    pub files: Vec<Option<AgreementFiles>>,
    /// Why a partnership's documents could not be written, naming it.
    pub failures: Vec<String>,
    /// What happened to each document.
    pub outcomes: Vec<WriteOutcome>,
    /// What each partnership's documents were made from.
    pub partnerships: Vec<PartnershipRecord>,
}

/// The folder for each partnership, from its ID and partner name, unique ignoring case.
pub fn folder_names(partnerships: &[&Partnership]) -> Vec<String> {
    let mut names = UniqueNames::default();
    partnerships
        .iter()
        .map(|p| {
            names.claim(safe_name(&format!("{} {}", p.partnership_id, p.partner_name), 80))
        })
        .collect()
}

/// The last run's records, by partnership ID (lowercased) and by file path.
pub struct PreviousRun<'a> {
    pub partnerships: HashMap<String, &'a PartnershipRecord>,
    pub files: HashMap<&'a str, &'a FileRecord>,
}

impl<'a> PreviousRun<'a> {
    /// Indexes a manifest for lookups.
    pub fn new(manifest: &'a Manifest) -> Self {
        PreviousRun {
            partnerships: manifest
                .partnerships
                .iter()
                .map(|p| (p.partnership_id.to_lowercase(), p))
                .collect(),
            files: manifest.files.iter().map(|f| (f.path.as_str(), f)).collect(),
        }
    }
}

/// Everything the agreements stage needs besides the partnerships.
pub struct AgreementJob<'a> {
    pub writer: &'a OutputWriter,
    pub previous: &'a PreviousRun<'a>,
    pub templates: AgreementTemplates<'a>,
    pub config: &'a Config,
    pub as_of: NaiveDate,
    /// Fill every document again, even when nothing it depends on changed.
    pub force: bool,
    /// Advanced once per partnership.
    pub progress: indicatif::ProgressBar,
}

/// One partnership's documents, made or found unchanged.
struct Made {
    files: AgreementFiles,
    outcomes: Vec<WriteOutcome>,
    record: PartnershipRecord,
}

/// Fills both templates for every partnership in parallel, writing each file as it is made.
///
/// A partnership whose fields and templates are what its documents were made from last time
/// is not filled again, and its files are left untouched.
pub fn write_agreements(
    job: &AgreementJob<'_>,
    rows: &[(&Partnership, &Assessment)],
) -> Written {
    let partnerships: Vec<&Partnership> = rows.iter().map(|(p, _)| *p).collect();
    let folders = folder_names(&partnerships);
    let results: Vec<Result<Made, String>> = rows
        .par_iter()
        .zip(&folders)
        .map(|((partnership, assessment), folder)| {
            let made = make_documents(job, partnership, assessment, folder);
            job.progress.inc(1);
            made
        })
        .collect();

    let mut written = Written::default();
    for (result, partnership) in results.into_iter().zip(&partnerships) {
        match result {
            Ok(made) => {
                written.files.push(Some(made.files));
                written.outcomes.extend(made.outcomes);
                written.partnerships.push(made.record);
            }
            Err(message) => {
                let id = &partnership.partnership_id;
                written.failures.push(format!("{id} ({}): {message}", partnership.source));
                written.files.push(None);
            }
        }
    }
    written
}

fn make_documents(
    job: &AgreementJob<'_>,
    partnership: &Partnership,
    assessment: &Assessment,
    folder: &str,
) -> Result<Made, String> {
    let id = partnership.partnership_id.as_str();
    let data = template_data(partnership, assessment, job.config, job.as_of);
    let fields = serde_json::to_vec(&data).map_err(|err| err.to_string())?;
    let templates = [job.templates.moa, job.templates.matrix];
    let record = PartnershipRecord {
        partnership_id: id.to_string(),
        folder: folder.to_string(),
        fingerprint: fingerprint(&[
            env!("CARGO_PKG_VERSION").as_bytes(),
            templates[0].sha256().as_bytes(),
            templates[1].sha256().as_bytes(),
            &fields,
        ]),
    };
    let files = AgreementFiles {
        moa_docx: format!("agreements/{folder}/{folder} - MOA.docx"),
        matrix_docx: format!("agreements/{folder}/{folder} - Decision-Making Matrix.docx"),
    };
    let same_as_before = !job.force
        && job
            .previous
            .partnerships
            .get(&id.to_lowercase())
            .is_some_and(|before| **before == record);

    let mut outcomes = Vec::with_capacity(2);
    let documents = [
        (templates[0], &files.moa_docx, "moa_docx"),
        (templates[1], &files.matrix_docx, "matrix_docx"),
    ];
    for (template, file, kind) in documents {
        if same_as_before {
            if let Some(outcome) = unchanged(job, file)? {
                outcomes.push(outcome);
                continue;
            }
        }
        let bytes = template.render(&data)?;
        let outcome = job
            .writer
            .write(file, kind, Some(id), &bytes)
            .map_err(|err| format!("failed to write {file}: {err}"))?;
        debug!(file = %file, "written");
        outcomes.push(outcome);
    }
    Ok(Made { files, outcomes, record })
}

/// The earlier run's file at `path`, when it is still there as that run left it.
fn unchanged(job: &AgreementJob<'_>, path: &str) -> Result<Option<WriteOutcome>, String> {
    match job.previous.files.get(path) {
        Some(record) => job
            .writer
            .check_unchanged(record)
            .map_err(|err| format!("failed to read {path}: {err}")),
        None => Ok(None),
    }
}
