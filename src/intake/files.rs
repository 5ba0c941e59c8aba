//! Finding the spreadsheets in the inputs folder and refusing dangerous ones before reading.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::intake::problem::Problem;

/// The kinds of file partnerdocs reads, by ending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Xlsx,
    Xlsm,
    Xlsb,
    Xls,
    Ods,
    Csv,
}

impl FileKind {
    /// The kind a file name's ending names, if partnerdocs reads it.
    pub fn from_path(path: &Path) -> Option<FileKind> {
        let ending = path.extension()?.to_str()?.to_ascii_lowercase();
        match ending.as_str() {
            "xlsx" => Some(FileKind::Xlsx),
            "xlsm" => Some(FileKind::Xlsm),
            "xlsb" => Some(FileKind::Xlsb),
            "xls" => Some(FileKind::Xls),
            "ods" => Some(FileKind::Ods),
            "csv" => Some(FileKind::Csv),
            _ => None,
        }
    }

    /// Whether files of this kind are zip archives.
    pub fn is_zip(self) -> bool {
        matches!(self, FileKind::Xlsx | FileKind::Xlsm | FileKind::Xlsb | FileKind::Ods)
    }

    /// The ending as staff know it, with its dot.
    pub fn ending(self) -> &'static str {
        match self {
            FileKind::Xlsx => ".xlsx",
            FileKind::Xlsm => ".xlsm",
            FileKind::Xlsb => ".xlsb",
            FileKind::Xls => ".xls",
            FileKind::Ods => ".ods",
            FileKind::Csv => ".csv",
        }
    }
}

/// A spreadsheet found in the inputs folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFile {
    pub path: PathBuf,
    /// The path relative to the inputs folder, with `/` separators, for messages.
    pub name: String,
    pub kind: FileKind,
}

/// What a look through the inputs folder found.
#[derive(Debug, Default)]
pub struct Listing {
    /// Spreadsheets to read, sorted by name.
    pub inputs: Vec<InputFile>,
    /// Files left alone (lock files, hidden files, other endings), sorted by name.
    pub skipped: Vec<String>,
}

/// Lists the spreadsheets under `dir` (subfolders included), skipping lock and hidden files.
///
/// A CSV named `<name>.decisions.csv` is not listed: it belongs to `<name>.csv`.
pub fn list_inputs(dir: &Path) -> std::io::Result<Listing> {
    let mut listing = Listing::default();
    walk(dir, dir, &mut listing)?;
    listing.inputs.sort_by(|a, b| a.name.cmp(&b.name));
    listing.skipped.sort();
    Ok(listing)
}

fn walk(root: &Path, dir: &Path, listing: &mut Listing) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|entry| entry.file_name());
    for entry in entries {
        let path = entry.path();
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let name = relative_name(root, &path);
        if is_hidden_or_lock(&file_name) {
            listing.skipped.push(name);
        } else if entry.file_type()?.is_dir() {
            walk(root, &path, listing)?;
        } else if file_name.to_ascii_lowercase().ends_with(".decisions.csv") {
            continue;
        } else if let Some(kind) = FileKind::from_path(&path) {
            listing.inputs.push(InputFile { path, name, kind });
        } else {
            listing.skipped.push(name);
        }
    }
    Ok(())
}

/// Whether a path relative to the inputs folder names a file a run reads: a visible
/// spreadsheet, or the decisions file beside one.
pub fn is_input_file(relative: &Path) -> bool {
    is_visible(relative) && FileKind::from_path(relative).is_some()
}

/// Whether a path relative to the inputs folder passes through no lock or hidden file or
/// folder, the ones a run skips.
pub fn is_visible(relative: &Path) -> bool {
    !relative
        .components()
        .any(|part| is_hidden_or_lock(&part.as_os_str().to_string_lossy()))
}

/// Office lock files (`~$book.xlsx`, `.~lock.book.xlsx#`) and hidden files.
fn is_hidden_or_lock(file_name: &str) -> bool {
    file_name.starts_with('.') || file_name.starts_with("~$")
}

fn relative_name(root: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    let parts: Vec<_> =
        relative.components().map(|c| c.as_os_str().to_string_lossy()).collect();
    parts.join("/")
}

/// Limits on what is read, from the configuration.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_file_bytes: u64,
    pub max_unzipped_bytes: u64,
}

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const OLE_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// Refuses a file that is too big, not what its ending says, or a zip bomb.
pub fn check_file(input: &InputFile, limits: Limits) -> Result<(), Problem> {
    let fail = |problem: String| Problem::file(&input.name, problem);
    let size = std::fs::metadata(&input.path)
        .map_err(|err| fail(format!("failed to read the file: {err}")))?
        .len();
    if size > limits.max_file_bytes {
        return Err(fail(format!(
            "the file is {}, over the limit of {}",
            megabytes(size),
            megabytes(limits.max_file_bytes)
        ))
        .with_hint("split the file, or raise intake.max_file_mb in partnerdocs.toml"));
    }
    if input.kind.is_zip() {
        check_zip(input, limits)?;
    }
    Ok(())
}

/// Checks that a zip-based workbook is a zip and would not expand past the limit.
fn check_zip(input: &InputFile, limits: Limits) -> Result<(), Problem> {
    let fail = |problem: String| Problem::file(&input.name, problem);
    let mut file = File::open(&input.path)
        .map_err(|err| fail(format!("failed to open the file: {err}")))?;
    let mut magic = [0u8; 8];
    let read =
        file.read(&mut magic).map_err(|err| fail(format!("failed to read: {err}")))?;
    let magic = &magic[..read];
    if magic.starts_with(OLE_MAGIC) {
        // Encrypted workbooks are OLE files whatever their ending; the reader names them.
        return Ok(());
    }
    let resave = format!(
        "open it in the spreadsheet program and save it again as {}",
        input.kind.ending()
    );
    if !magic.starts_with(ZIP_MAGIC) {
        return Err(fail(format!(
            "the file is not a real {} workbook",
            input.kind.ending()
        ))
        .with_hint(resave));
    }
    let mut archive = zip::ZipArchive::new(file).map_err(|err| {
        fail(format!("the workbook is damaged or incomplete ({err})"))
            .with_hint(resave.clone())
    })?;
    let mut expanded: u128 = 0;
    for index in 0..archive.len() {
        let entry = archive.by_index_raw(index).map_err(|err| {
            fail(format!("the workbook is damaged or incomplete ({err})"))
                .with_hint(resave.clone())
        })?;
        expanded += u128::from(entry.size());
    }
    if expanded > u128::from(limits.max_unzipped_bytes) {
        let shown =
            u64::try_from(expanded).map(megabytes).unwrap_or_else(|_| "too much".into());
        return Err(fail(format!(
            "the workbook would expand to {shown}, over the limit of {}",
            megabytes(limits.max_unzipped_bytes)
        ))
        .with_hint(
            "a workbook this large is damaged or built to exhaust memory; \
                    raise intake.max_unzipped_mb in partnerdocs.toml only if you trust it",
        ));
    }
    Ok(())
}

/// Shows a byte count in megabytes (1 MB = 1,000,000 bytes).
fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_and_hidden_files_are_skipped() {
        assert!(is_hidden_or_lock("~$book.xlsx"));
        assert!(is_hidden_or_lock(".~lock.book.xlsx#"));
        assert!(is_hidden_or_lock(".hidden.csv"));
        assert!(!is_hidden_or_lock("book.xlsx"));
    }

    #[test]
    fn input_files_are_visible_spreadsheets() {
        assert!(is_input_file(Path::new("book.xlsx")));
        assert!(is_input_file(Path::new("term 2/book.decisions.csv")));
        assert!(!is_input_file(Path::new("~$book.xlsx")));
        assert!(!is_input_file(Path::new(".~lock.book.xlsx#")));
        assert!(!is_input_file(Path::new(".drafts/book.xlsx")));
        assert!(!is_input_file(Path::new("notes.txt")));
    }

    #[test]
    fn kinds_come_from_the_ending_in_any_case() {
        assert_eq!(FileKind::from_path(Path::new("a/B.XLSX")), Some(FileKind::Xlsx));
        assert_eq!(FileKind::from_path(Path::new("b.ods")), Some(FileKind::Ods));
        assert_eq!(FileKind::from_path(Path::new("notes.txt")), None);
    }
}
