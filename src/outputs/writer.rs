//! Writing outputs safely: whole or not at all, never over a file staff edited by hand,
//! and not at all when the bytes would not change.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::outputs::manifest::{sha256, FileRecord, Manifest};

/// The hidden folder under outputs/ holding the run lock and temporary files.
pub const STATE_FOLDER: &str = ".partnerdocs";

/// What writing one output did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteOutcome {
    /// The file was written (new, or replacing an earlier run's version).
    Written(FileRecord),
    /// The file already held these bytes; it was left untouched.
    Unchanged(FileRecord),
    /// Staff changed the file by hand since the last run; it was kept as it is.
    KeptEdited(FileRecord),
}

impl WriteOutcome {
    /// The record to keep in the new manifest.
    pub fn record(&self) -> &FileRecord {
        match self {
            WriteOutcome::Written(record)
            | WriteOutcome::Unchanged(record)
            | WriteOutcome::KeptEdited(record) => record,
        }
    }
}

/// Writes files under an outputs folder, checking each against the last run's manifest.
///
/// Before each file is renamed into place its path and hash go into a journal, so a run
/// that is killed part way leaves a record of which files are its own: the next run does
/// not mistake them for files staff edited by hand.
pub struct OutputWriter {
    root: PathBuf,
    temp: PathBuf,
    /// Every (path, hash) partnerdocs wrote: the last manifest and any unfinished run.
    ours: HashSet<(String, String)>,
    journal: Mutex<std::fs::File>,
    force: bool,
}

/// The journal's file name in the state folder.
const JOURNAL: &str = "journal";

impl OutputWriter {
    /// A writer for `root`; `force` replaces files staff edited by hand.
    pub fn new(root: &Path, previous: &Manifest, force: bool) -> std::io::Result<Self> {
        let state = root.join(STATE_FOLDER);
        let temp = state.join("tmp");
        std::fs::create_dir_all(&temp)?;
        let mut ours: HashSet<(String, String)> =
            previous.files.iter().map(|f| (f.path.clone(), f.sha256.clone())).collect();
        let journal_path = state.join(JOURNAL);
        if let Ok(text) = std::fs::read_to_string(&journal_path) {
            for line in text.lines() {
                if let Some((sha, path)) = line.split_once(' ') {
                    ours.insert((path.to_string(), sha.to_string()));
                }
            }
        }
        let journal =
            std::fs::OpenOptions::new().create(true).append(true).open(&journal_path)?;
        Ok(OutputWriter {
            root: root.to_path_buf(),
            temp,
            ours,
            journal: Mutex::new(journal),
            force,
        })
    }

    /// Empties the journal once the manifest holds everything this run wrote.
    pub fn finish(self) -> std::io::Result<()> {
        let journal =
            self.journal.into_inner().map_err(|_| std::io::Error::other("journal"))?;
        journal.set_len(0)
    }

    /// The absolute path of an output.
    pub fn path(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }

    /// Writes `bytes` to `relative` unless the file already holds them or staff edited it.
    pub fn write(
        &self,
        relative: &str,
        kind: &str,
        partnership_id: Option<&str>,
        bytes: &[u8],
    ) -> std::io::Result<WriteOutcome> {
        let record = FileRecord {
            path: relative.to_string(),
            kind: kind.to_string(),
            partnership_id: partnership_id.map(str::to_string),
            size: bytes.len() as u64,
            sha256: sha256(bytes),
        };
        let target = self.path(relative);
        if let Some(existing) = self.existing(&target)? {
            if existing.sha256 == record.sha256 {
                return Ok(WriteOutcome::Unchanged(record));
            }
            if !self.force && self.edited_by_hand(relative, &existing) {
                return Ok(WriteOutcome::KeptEdited(FileRecord {
                    sha256: existing.sha256,
                    ..record
                }));
            }
        }
        self.replace(&target, relative, &record.sha256, bytes)?;
        Ok(WriteOutcome::Written(record))
    }

    /// Checks an earlier run's file that this run would not render again.
    pub fn check_unchanged(
        &self,
        record: &FileRecord,
    ) -> std::io::Result<Option<WriteOutcome>> {
        let Some(existing) = self.existing(&self.path(&record.path))? else {
            return Ok(None);
        };
        if existing.sha256 == record.sha256 {
            Ok(Some(WriteOutcome::Unchanged(record.clone())))
        } else if self.force {
            Ok(None)
        } else {
            Ok(Some(WriteOutcome::KeptEdited(record.clone())))
        }
    }

    /// The size and hash of a file that exists.
    fn existing(&self, path: &Path) -> std::io::Result<Option<FileRecord>> {
        match std::fs::read(path) {
            Ok(bytes) => Ok(Some(FileRecord {
                path: String::new(),
                kind: String::new(),
                partnership_id: None,
                size: bytes.len() as u64,
                sha256: sha256(&bytes),
            })),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// A file that partnerdocs never wrote with these bytes.
    fn edited_by_hand(&self, relative: &str, existing: &FileRecord) -> bool {
        !self.ours.contains(&(relative.to_string(), existing.sha256.clone()))
    }

    /// Writes through a temporary file renamed over the target, so the file is whole or absent.
    fn replace(
        &self,
        target: &Path,
        relative: &str,
        sha: &str,
        bytes: &[u8],
    ) -> std::io::Result<()> {
        if let Some(folder) = target.parent().filter(|folder| !folder.is_dir()) {
            std::fs::create_dir_all(folder)?;
        }
        let mut builder = tempfile::Builder::new();
        builder.prefix("write-");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o644));
        }
        let mut file = builder.tempfile_in(&self.temp)?;
        file.write_all(bytes)?;
        {
            let mut journal =
                self.journal.lock().map_err(|_| std::io::Error::other("journal"))?;
            writeln!(journal, "{sha} {relative}")?;
        }
        file.persist(target).map_err(|err| err.error)?;
        Ok(())
    }
}
