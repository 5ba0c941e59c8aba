//! `archive/`: where the documents of partnerships that left the inputs are moved.

use std::collections::HashSet;
use std::path::Path;

use tracing::info;

use crate::outputs::manifest::{FileRecord, Manifest, PartnershipRecord};
use crate::outputs::names::UniqueNames;

/// What tidying after a run did.
#[derive(Debug, Default)]
pub struct Tidied {
    /// Partnerships whose folder moved to `archive/`, by ID.
    pub archived: Vec<String>,
    /// Earlier records kept because the partnership's row was rejected or failed this run.
    pub kept_partnerships: Vec<PartnershipRecord>,
    pub kept_files: Vec<FileRecord>,
}

/// Moves the folders no current partnership uses to `archive/`, never deleting anything.
///
/// A partnership whose row was rejected this run (`keep`, lowercased IDs) is not gone: its
/// earlier documents stay where they are and stay in the manifest.
pub fn tidy(
    outputs: &Path,
    previous: &Manifest,
    current: &[PartnershipRecord],
    keep: &HashSet<String>,
) -> std::io::Result<Tidied> {
    let in_use: HashSet<&str> = current.iter().map(|p| p.folder.as_str()).collect();
    let current_ids: HashSet<String> =
        current.iter().map(|p| p.partnership_id.to_lowercase()).collect();
    let mut tidied = Tidied::default();
    let mut archive_names = UniqueNames::default();
    if let Ok(entries) = std::fs::read_dir(outputs.join("archive")) {
        for entry in entries.flatten() {
            archive_names.claim(entry.file_name().to_string_lossy().into_owned());
        }
    }

    for before in &previous.partnerships {
        let id = before.partnership_id.to_lowercase();
        if keep.contains(&id) && !current_ids.contains(&id) {
            tidied.kept_partnerships.push(before.clone());
            let files = previous
                .files
                .iter()
                .filter(|f| f.partnership_id.as_ref() == Some(&before.partnership_id));
            tidied.kept_files.extend(files.cloned());
            continue;
        }
        if in_use.contains(before.folder.as_str()) {
            continue;
        }
        let from = outputs.join("agreements").join(&before.folder);
        if !from.is_dir() {
            continue;
        }
        let name = archive_names.claim(before.folder.clone());
        std::fs::create_dir_all(outputs.join("archive"))?;
        std::fs::rename(&from, outputs.join("archive").join(&name))?;
        info!(partnership = %before.partnership_id, folder = %name, "archived");
        tidied.archived.push(before.partnership_id.clone());
    }
    Ok(tidied)
}
