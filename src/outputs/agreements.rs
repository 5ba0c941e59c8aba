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
use crate::pdf::{DocumentInfo, PdfMaker};
use crate::rubric::Assessment;

/// The documents of one partnership, relative to the outputs folder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgreementFiles {
    pub moa_docx: String,
    pub matrix_docx: String,
    /// Empty when no PDF was made (`--no-pdf`, or rendering failed).
    pub moa_pdf: String,
    pub matrix_pdf: String,
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
    /// Why a PDF could not be made, naming the document; its Word file was written.
    pub pdf_failures: Vec<String>,
    /// What each PDF could not honour: (document, warning).
    pub pdf_warnings: Vec<(String, String)>,
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
    /// Makes the PDFs; `None` with `--no-pdf`.
    pub pdf: Option<&'a PdfMaker>,
    /// Advanced once per partnership.
    pub progress: indicatif::ProgressBar,
}

/// One partnership's documents, made or found unchanged.
struct Made {
    files: AgreementFiles,
    outcomes: Vec<WriteOutcome>,
    record: PartnershipRecord,
    pdf_failures: Vec<String>,
    pdf_warnings: Vec<(String, String)>,
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
                written.pdf_failures.extend(made.pdf_failures);
                written.pdf_warnings.extend(made.pdf_warnings);
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
    let base = format!("agreements/{folder}/{folder}");
    let mut made = Made {
        files: AgreementFiles {
            moa_docx: format!("{base} - MOA.docx"),
            matrix_docx: format!("{base} - Decision-Making Matrix.docx"),
            ..AgreementFiles::default()
        },
        outcomes: Vec::with_capacity(4),
        record,
        pdf_failures: Vec::new(),
        pdf_warnings: Vec::new(),
    };
    let same_as_before = !job.force
        && job
            .previous
            .partnerships
            .get(&id.to_lowercase())
            .is_some_and(|before| **before == made.record);

    let documents = [
        (templates[0], Kind::Moa, "Memorandum of Agreement"),
        (templates[1], Kind::Matrix, "Decision-Making Matrix"),
    ];
    for (template, kind, title) in documents {
        let docx_path = kind.docx(&made.files).clone();
        let document = Document { template, data: &data, path: &docx_path };
        let docx = write_docx(job, &document, kind, id, same_as_before)?;
        made.outcomes.push(docx.outcome.clone());

        let pdf_path = format!("{base} - {}.pdf", kind.file_label());
        let info = DocumentInfo {
            title: format!("{title}: {}", partnership.partner_name),
            subject: id.to_string(),
            author: job.config.district.name.clone(),
            as_of: job.as_of,
            ident: pdf_path.clone(),
        };
        let docx_edited = matches!(docx.outcome, WriteOutcome::KeptEdited(_));
        let pdf =
            PdfJob { path: &pdf_path, kind, id, same_as_before, docx_edited, info: &info };
        match write_pdf(job, &document, docx.bytes, &pdf) {
            Ok(Some((outcome, warnings))) => {
                *kind.pdf(&mut made.files) = pdf_path.clone();
                made.outcomes.push(outcome);
                made.pdf_warnings
                    .extend(warnings.into_iter().map(|w| (pdf_path.clone(), w)));
            }
            Ok(None) => {}
            Err(message) => made.pdf_failures.push(format!("{pdf_path}: {message}")),
        }
    }
    Ok(made)
}

/// The two documents of a partnership.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Moa,
    Matrix,
}

impl Kind {
    fn docx(self, files: &AgreementFiles) -> &String {
        match self {
            Kind::Moa => &files.moa_docx,
            Kind::Matrix => &files.matrix_docx,
        }
    }

    fn pdf(self, files: &mut AgreementFiles) -> &mut String {
        match self {
            Kind::Moa => &mut files.moa_pdf,
            Kind::Matrix => &mut files.matrix_pdf,
        }
    }

    /// The end of the file's name.
    fn file_label(self) -> &'static str {
        match self {
            Kind::Moa => "MOA",
            Kind::Matrix => "Decision-Making Matrix",
        }
    }

    /// The kind recorded in the manifest.
    fn manifest_kind(self, pdf: bool) -> &'static str {
        match (self, pdf) {
            (Kind::Moa, false) => "moa_docx",
            (Kind::Matrix, false) => "matrix_docx",
            (Kind::Moa, true) => "moa_pdf",
            (Kind::Matrix, true) => "matrix_pdf",
        }
    }
}

/// A template filled for one partnership.
struct Document<'a> {
    template: &'a Template,
    data: &'a serde_json::Value,
    path: &'a str,
}

/// A Word file written or found as the last run left it; its bytes when this run
/// filled it.
struct DocxWritten {
    outcome: WriteOutcome,
    bytes: Option<Vec<u8>>,
}

fn write_docx(
    job: &AgreementJob<'_>,
    document: &Document<'_>,
    kind: Kind,
    id: &str,
    same_as_before: bool,
) -> Result<DocxWritten, String> {
    if same_as_before {
        if let Some(outcome) = unchanged(job, document.path)? {
            return Ok(DocxWritten { outcome, bytes: None });
        }
    }
    let bytes = document.template.render(document.data)?;
    let outcome = job
        .writer
        .write(document.path, kind.manifest_kind(false), Some(id), &bytes)
        .map_err(|err| format!("failed to write {}: {err}", document.path))?;
    debug!(file = %document.path, "written");
    // A Word file staff changed by hand is what will be signed: its PDF is made from it.
    let bytes = match outcome {
        WriteOutcome::KeptEdited(_) => None,
        _ => Some(bytes),
    };
    Ok(DocxWritten { outcome, bytes })
}

/// One PDF to make.
struct PdfJob<'a> {
    path: &'a str,
    kind: Kind,
    id: &'a str,
    same_as_before: bool,
    /// Whether staff changed the Word file by hand: its PDF is then made from that file.
    docx_edited: bool,
    info: &'a DocumentInfo,
}

/// Makes the PDF of a Word file, or finds it unchanged; `None` with `--no-pdf`.
///
/// With `--no-pdf`, the last run's PDF is kept while it still matches its Word file and
/// removed when it no longer does.
fn write_pdf(
    job: &AgreementJob<'_>,
    document: &Document<'_>,
    docx: Option<Vec<u8>>,
    pdf: &PdfJob<'_>,
) -> Result<Option<(WriteOutcome, Vec<String>)>, String> {
    let before = if pdf.same_as_before { unchanged(job, pdf.path)? } else { None };
    let Some(maker) = job.pdf else {
        if before.is_none() && job.previous.files.contains_key(pdf.path) {
            let _ = std::fs::remove_file(job.writer.path(pdf.path));
        }
        return Ok(before.map(|outcome| (outcome, Vec::new())));
    };
    if let Some(outcome) = before.filter(|_| docx.is_none() && !pdf.docx_edited) {
        return Ok(Some((outcome, Vec::new())));
    }

    let docx = match docx {
        Some(bytes) => bytes,
        None => std::fs::read(job.writer.path(document.path))
            .map_err(|err| format!("failed to read {}: {err}", document.path))?,
    };
    let rendered = maker.render(&docx, pdf.info).map_err(|err| err.to_string())?;
    let outcome = job
        .writer
        .write(pdf.path, pdf.kind.manifest_kind(true), Some(pdf.id), &rendered.pdf)
        .map_err(|err| format!("failed to write {}: {err}", pdf.path))?;
    debug!(file = %pdf.path, pages = rendered.pages, "written");
    Ok(Some((outcome, rendered.warnings)))
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
