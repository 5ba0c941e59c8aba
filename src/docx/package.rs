//! A template's zip package: which parts hold tags, and writing a filled copy.

use std::io::{Cursor, Read, Write};
use std::path::Path;
use std::sync::Arc;

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

/// The largest template accepted, in bytes.
const MAX_TEMPLATE_BYTES: u64 = 50_000_000;

/// A template package held in memory, read once and copied for every document.
#[derive(Debug, Clone)]
pub struct Package {
    archive: ZipArchive<Cursor<Arc<[u8]>>>,
    /// The SHA-256 of the template file.
    pub sha256: String,
}

/// A part that holds text staff write tags in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextPart {
    /// The entry in the zip, e.g. `word/header1.xml`.
    pub entry: String,
    /// What staff call it: `body`, `header1`, `footer2`, `footnotes`, `endnotes`.
    pub label: String,
    pub xml: String,
}

/// Reads a template file, refusing what is not a plain Word document.
pub fn open(path: &Path) -> Result<(Package, Vec<TextPart>), (String, &'static str)> {
    let ending =
        path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    const RESAVE: &str = "open it in Word and save it as Word Document (.docx)";
    if matches!(ending.as_str(), "docm" | "dotm") {
        return Err((
            "the template can hold macros, which partnerdocs never runs".into(),
            RESAVE,
        ));
    }
    let size = std::fs::metadata(path)
        .map_err(|err| (format!("failed to read it: {err}"), ""))?
        .len();
    if size > MAX_TEMPLATE_BYTES {
        return Err(("the template is over 50 MB".into(), "make the images in it smaller"));
    }
    let bytes: Arc<[u8]> = std::fs::read(path)
        .map_err(|err| (format!("failed to read it: {err}"), ""))?
        .into();
    let sha256 = crate::outputs::manifest::sha256(&bytes);
    let mut archive = ZipArchive::new(Cursor::new(bytes))
        .map_err(|err| (format!("the file is not a Word document ({err})"), RESAVE))?;

    let names: Vec<String> = archive
        .file_names()
        .map(|name| name.map(|n| n.into_owned()))
        .collect::<Result<_, _>>()
        .map_err(|err| (format!("the file is not a Word document ({err})"), RESAVE))?;
    if !names.iter().any(|name| name == "word/document.xml") {
        return Err((
            "the file is not a Word document (it has no word/document.xml)".into(),
            RESAVE,
        ));
    }
    let content_types = read_entry(&mut archive, "[Content_Types].xml").unwrap_or_default();
    if content_types.contains("macroEnabled")
        || names.iter().any(|n| n.ends_with("vbaProject.bin"))
    {
        return Err((
            "the template holds macros, which partnerdocs never runs".into(),
            RESAVE,
        ));
    }

    let mut parts = Vec::new();
    for name in names.iter().filter(|name| part_label(name).is_some()) {
        let xml = read_entry(&mut archive, name)
            .map_err(|err| (format!("failed to read {name}: {err}"), RESAVE))?;
        let label = part_label(name).unwrap_or_default();
        parts.push(TextPart { entry: name.clone(), label, xml });
    }
    parts.sort_by_key(|part| (part.entry != "word/document.xml", part.entry.clone()));
    Ok((Package { archive, sha256 }, parts))
}

fn read_entry(
    archive: &mut ZipArchive<Cursor<Arc<[u8]>>>,
    name: &str,
) -> Result<String, String> {
    let mut entry = archive.by_name(name).map_err(|err| err.to_string())?;
    let mut text = String::new();
    entry.read_to_string(&mut text).map_err(|err| err.to_string())?;
    Ok(text)
}

/// The label of a part staff write tags in, or `None` for other entries.
pub fn part_label(entry: &str) -> Option<String> {
    let name = entry.strip_prefix("word/")?.strip_suffix(".xml")?;
    let numbered = |prefix: &str| {
        name.strip_prefix(prefix).filter(|n| n.chars().all(|c| c.is_ascii_digit()))
    };
    match name {
        "document" => Some("body".into()),
        "footnotes" | "endnotes" => Some(name.into()),
        _ if numbered("header").is_some() || numbered("footer").is_some() => {
            Some(name.into())
        }
        _ => None,
    }
}

impl Package {
    /// Writes a filled copy: each text part from `fill`, every other entry copied as stored.
    pub fn write_filled(
        &self,
        mut fill: impl FnMut(&str, &mut dyn Write) -> Result<(), String>,
    ) -> Result<Vec<u8>, String> {
        let mut archive = self.archive.clone();
        let mut writer = ZipWriter::new(Cursor::new(Vec::with_capacity(64 * 1024)));
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .compression_level(Some(1))
            .last_modified_time(zip::DateTime::default());
        for index in 0..archive.len() {
            let entry = archive.by_index_raw(index).map_err(|err| err.to_string())?;
            let name = entry.name().map_err(|err| err.to_string())?.to_string();
            if part_label(&name).is_some() {
                drop(entry);
                writer.start_file(name.as_str(), options).map_err(|err| err.to_string())?;
                fill(&name, &mut writer)?;
            } else {
                writer.raw_copy_file(entry).map_err(|err| err.to_string())?;
            }
        }
        let cursor = writer.finish().map_err(|err| err.to_string())?;
        Ok(cursor.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_labelled_as_staff_know_them() {
        assert_eq!(part_label("word/document.xml").as_deref(), Some("body"));
        assert_eq!(part_label("word/header2.xml").as_deref(), Some("header2"));
        assert_eq!(part_label("word/footnotes.xml").as_deref(), Some("footnotes"));
        assert_eq!(part_label("word/styles.xml"), None);
        assert_eq!(part_label("word/headerx.xml"), None);
    }
}
