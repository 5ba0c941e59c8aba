//! `agreements/`: each partnership's MOA and Decision-Making Matrix, one folder each.

use std::path::Path;

use chrono::NaiveDate;
use rayon::prelude::*;
use tracing::debug;

use crate::config::Config;
use crate::docx::{template_data, Template};
use crate::intake::Partnership;
use crate::outputs::names::{safe_name, UniqueNames};
use crate::outputs::write_file;
use crate::rubric::Assessment;

/// The documents written for one partnership, relative to the outputs folder.
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

/// What writing the agreements gave: one entry per partnership, in order.
#[derive(Debug, Default)]
pub struct Written {
    /// The files of each partnership; `None` where filling failed.
    pub files: Vec<Option<AgreementFiles>>,
    /// Why a partnership's documents could not be written, naming it.
    pub failures: Vec<String>,
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

/// Fills both templates for every partnership in parallel, writing each file as it is made.
pub fn write_agreements(
    outputs: &Path,
    rows: &[(&Partnership, &Assessment)],
    templates: &AgreementTemplates<'_>,
    config: &Config,
    as_of: NaiveDate,
) -> Written {
    let partnerships: Vec<&Partnership> = rows.iter().map(|(p, _)| *p).collect();
    let folders = folder_names(&partnerships);
    let results: Vec<Result<AgreementFiles, String>> = rows
        .par_iter()
        .zip(&folders)
        .map(|((partnership, assessment), folder)| {
            let data = template_data(partnership, assessment, config, as_of);
            let path = outputs.join("agreements").join(folder);
            std::fs::create_dir_all(&path).map_err(|err| {
                format!("failed to make the folder {}: {err}", path.display())
            })?;
            let files = AgreementFiles {
                moa_docx: format!("agreements/{folder}/{folder} - MOA.docx"),
                matrix_docx: format!(
                    "agreements/{folder}/{folder} - Decision-Making Matrix.docx"
                ),
            };
            for (template, file) in
                [(templates.moa, &files.moa_docx), (templates.matrix, &files.matrix_docx)]
            {
                let bytes = template.render(&data)?;
                write_file(&outputs.join(file), &bytes)
                    .map_err(|err| format!("failed to write {file}: {err}"))?;
                debug!(file = %file, "wrote");
            }
            Ok(files)
        })
        .collect();

    let mut written = Written::default();
    for (result, partnership) in results.into_iter().zip(&partnerships) {
        match result {
            Ok(files) => written.files.push(Some(files)),
            Err(message) => {
                written.failures.push(format!(
                    "{} ({}): {message}",
                    partnership.partnership_id, partnership.source
                ));
                written.files.push(None);
            }
        }
    }
    written
}
