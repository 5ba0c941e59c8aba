//! Writing the files staff read under the outputs folder.

pub mod agreements;
pub mod archive;
pub mod board;
pub mod manifest;
pub mod names;
pub mod rejected;
pub mod report;
pub mod summary;
pub mod writer;

use std::io::Write;
use std::path::Path;

/// Writes a file so it appears complete or not at all: a temporary file in the same
/// folder is written, synced to disk and renamed over the target.
pub fn write_atomic(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let folder =
        path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(folder)?;
    let mut file = temp_file_in(folder)?;
    {
        let mut buffered = std::io::BufWriter::new(file.as_file_mut());
        write(&mut buffered)?;
        buffered.flush()?;
    }
    file.as_file().sync_all()?;
    file.persist(path).map_err(|err| err.error)?;
    Ok(())
}

/// Writes a file into an existing folder so it appears complete or not at all, without
/// waiting for the disk: a temporary file beside it is renamed over the target. Call
/// [`sync_all`] once when a batch of such files is written.
pub fn write_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let folder =
        path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut file = temp_file_in(folder)?;
    file.write_all(bytes)?;
    file.persist(path).map_err(|err| err.error)?;
    Ok(())
}

/// A temporary file in `folder`, readable by everyone like the outputs it becomes.
fn temp_file_in(folder: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(".partnerdocs-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    builder.tempfile_in(folder)
}

/// Flushes everything written to the file system holding `folder` to disk, in one call.
pub fn sync_all(folder: &Path) -> std::io::Result<()> {
    let handle = std::fs::File::open(folder)?;
    rustix::fs::syncfs(&handle)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_leaves_only_the_target() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out/file.txt");
        write_atomic(&target, |w| w.write_all(b"hello")).unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"hello");
        let names: Vec<_> = std::fs::read_dir(dir.path().join("out")).unwrap().collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn a_failed_write_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("file.txt");
        let result = write_atomic(&target, |_| Err(std::io::Error::other("boom")));
        assert!(result.is_err());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
