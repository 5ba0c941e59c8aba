//! `manifest.json`: every file a run wrote, with its kind, partnership, size and SHA-256,
//! and what each partnership's documents were made from, so the next run can tell what
//! changed, what staff edited by hand and what disappeared.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The manifest's file name in the outputs folder.
pub const MANIFEST: &str = "manifest.json";

/// One file written under the outputs folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRecord {
    /// The path relative to the outputs folder, with `/`.
    pub path: String,
    /// What the file is: `moa_docx`, `matrix_docx`, `summary`, `rejected`, `report`.
    pub kind: String,
    /// The partnership the file belongs to, if any.
    pub partnership_id: Option<String>,
    pub size: u64,
    pub sha256: String,
}

/// What one partnership's documents were made from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartnershipRecord {
    pub partnership_id: String,
    /// The partnership's folder under `agreements/`.
    pub folder: String,
    /// A hash of everything its documents depend on: its fields and the templates.
    pub fingerprint: String,
}

/// The record of a run's outputs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// The program that wrote it.
    pub generator: String,
    pub partnerships: Vec<PartnershipRecord>,
    pub files: Vec<FileRecord>,
}

impl Manifest {
    /// Reads the manifest in `outputs`; none (or an unreadable one) reads as empty.
    pub fn load(outputs: &Path) -> Manifest {
        let path = outputs.join(MANIFEST);
        let Ok(text) = std::fs::read_to_string(&path) else {
            return Manifest::default();
        };
        serde_json::from_str(&text).unwrap_or_else(|err| {
            tracing::warn!(
                "{} could not be read ({err}); every document will be checked afresh",
                path.display()
            );
            Manifest::default()
        })
    }

    /// The manifest as JSON, entries sorted so the bytes depend only on the content.
    pub fn to_json(&self) -> Vec<u8> {
        let mut sorted = self.clone();
        sorted.partnerships.sort_by(|a, b| a.partnership_id.cmp(&b.partnership_id));
        sorted.files.sort_by(|a, b| a.path.cmp(&b.path));
        let mut json = serde_json::to_vec_pretty(&sorted).unwrap_or_default();
        json.push(b'\n');
        json
    }

    /// The files by path, for lookups.
    pub fn files_by_path(&self) -> BTreeMap<&str, &FileRecord> {
        self.files.iter().map(|file| (file.path.as_str(), file)).collect()
    }

    /// The partnerships by lowercased ID, for lookups.
    pub fn partnerships_by_id(&self) -> BTreeMap<String, &PartnershipRecord> {
        self.partnerships.iter().map(|p| (p.partnership_id.to_lowercase(), p)).collect()
    }
}

/// The SHA-256 of `bytes`, in lowercase hex.
pub fn sha256(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// A SHA-256 over several pieces, each length-prefixed so no two lists collide.
pub fn fingerprint(pieces: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    for piece in pieces {
        hasher.update((piece.len() as u64).to_le_bytes());
        hasher.update(piece);
    }
    hasher.finalize().iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_sorted_and_round_trips() {
        let file = |path: &str| FileRecord {
            path: path.into(),
            kind: "summary".into(),
            partnership_id: None,
            size: 1,
            sha256: sha256(b"x"),
        };
        let manifest = Manifest {
            generator: "partnerdocs".into(),
            partnerships: Vec::new(),
            files: vec![file("b.csv"), file("a.csv")],
        };
        let json = manifest.to_json();
        let back: Manifest = serde_json::from_slice(&json).unwrap();
        assert_eq!(back.files[0].path, "a.csv");
        assert_eq!(json, back.to_json());
    }

    #[test]
    fn hashes_are_known_values() {
        assert_eq!(
            sha256(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_ne!(fingerprint(&[b"ab", b"c"]), fingerprint(&[b"a", b"bc"]));
    }
}
