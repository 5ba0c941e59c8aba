//! Fonts: the families built into the binary, Word font names mapped onto them, and the
//! system fonts that cover the scripts the built-in families lack.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, PoisonError};

use typst::foundations::Bytes;
use typst::text::{Font, FontInfo, FontVariant};
use typst_kit::fonts::FontStore;

use super::PdfError;

/// The family used for a Word font with no stand-in, and for text that names no font.
pub const FALLBACK_FAMILY: &str = "Carlito";

/// The font files built into the binary, four styles per family; see `fonts/README.md`.
const EMBEDDED: [&[u8]; 20] = [
    include_bytes!("../../fonts/Carlito-Regular.ttf"),
    include_bytes!("../../fonts/Carlito-Bold.ttf"),
    include_bytes!("../../fonts/Carlito-Italic.ttf"),
    include_bytes!("../../fonts/Carlito-BoldItalic.ttf"),
    include_bytes!("../../fonts/Caladea-Regular.ttf"),
    include_bytes!("../../fonts/Caladea-Bold.ttf"),
    include_bytes!("../../fonts/Caladea-Italic.ttf"),
    include_bytes!("../../fonts/Caladea-BoldItalic.ttf"),
    include_bytes!("../../fonts/LiberationSans-Regular.ttf"),
    include_bytes!("../../fonts/LiberationSans-Bold.ttf"),
    include_bytes!("../../fonts/LiberationSans-Italic.ttf"),
    include_bytes!("../../fonts/LiberationSans-BoldItalic.ttf"),
    include_bytes!("../../fonts/LiberationSerif-Regular.ttf"),
    include_bytes!("../../fonts/LiberationSerif-Bold.ttf"),
    include_bytes!("../../fonts/LiberationSerif-Italic.ttf"),
    include_bytes!("../../fonts/LiberationSerif-BoldItalic.ttf"),
    include_bytes!("../../fonts/LiberationMono-Regular.ttf"),
    include_bytes!("../../fonts/LiberationMono-Bold.ttf"),
    include_bytes!("../../fonts/LiberationMono-Italic.ttf"),
    include_bytes!("../../fonts/LiberationMono-BoldItalic.ttf"),
];

/// The built-in family that stands in for a Word font, or `None` when none does.
fn stand_in(word_font: &str) -> Option<&'static str> {
    let family = match word_font.trim().to_lowercase().as_str() {
        "calibri" | "calibri light" | "carlito" => "Carlito",
        "cambria" | "cambria math" | "caladea" => "Caladea",
        "arial" | "helvetica" | "arimo" | "liberation sans" => "Liberation Sans",
        "times new roman" | "times" | "tinos" | "liberation serif" => "Liberation Serif",
        "courier new" | "courier" | "cousine" | "liberation mono" => "Liberation Mono",
        _ => return None,
    };
    Some(family)
}

/// The built-in family for a Word font name (any case); [`FALLBACK_FAMILY`] when none
/// stands in for it.
pub fn family_for(word_font: &str) -> &'static str {
    stand_in(word_font).unwrap_or(FALLBACK_FAMILY)
}

/// Maps Word font names to built-in families and remembers the names it had no match
/// for, so a run can report each one once. Safe to share across threads.
#[derive(Debug, Default)]
pub struct FontBook {
    /// Unmatched names by their lowercase form, keeping the first spelling seen.
    unmatched: Mutex<BTreeMap<String, String>>,
}

impl FontBook {
    /// An empty book.
    pub fn new() -> Self {
        Self::default()
    }

    /// The family for `word_font`, as [`family_for`]; logs an unmatched name the first
    /// time it is seen.
    pub fn family(&self, word_font: &str) -> &'static str {
        if let Some(family) = stand_in(word_font) {
            return family;
        }

        let name = word_font.trim();
        let mut unmatched = self.unmatched.lock().unwrap_or_else(PoisonError::into_inner);
        if let Entry::Vacant(entry) = unmatched.entry(name.to_lowercase()) {
            tracing::warn!(
                font = name,
                "no built-in font stands in for this Word font; using {FALLBACK_FAMILY}"
            );
            entry.insert(name.to_string());
        }
        FALLBACK_FAMILY
    }

    /// The Word font names that had no stand-in, sorted case-insensitively.
    pub fn unmatched(&self) -> Vec<String> {
        let unmatched = self.unmatched.lock().unwrap_or_else(PoisonError::into_inner);
        unmatched.values().cloned().collect()
    }
}

/// A font file supplied by the caller, such as a school's own typeface.
#[derive(Debug, Clone)]
pub struct FontFile {
    /// A name for messages, usually the file name.
    pub name: String,
    /// The font or font collection (TrueType, OpenType).
    pub data: Bytes,
}

/// Which fonts besides the built-in ones a [`FontSet`] serves.
#[derive(Debug, Clone)]
pub struct FontOptions {
    /// Extra font files, served after the built-in ones.
    pub extra: Vec<FontFile>,
    /// Whether to serve the fonts installed on the machine, after all others.
    pub system: bool,
}

impl Default for FontOptions {
    fn default() -> Self {
        Self { extra: Vec::new(), system: true }
    }
}

/// The fonts a document can use, loaded once and shared by every render.
///
/// Built-in families come first, then extra files, then system fonts. When a glyph is
/// missing from the chosen family, typst falls back to the closest-matching font that
/// has it, and among equally close ones to the first: so the built-in families win.
pub struct FontSet {
    store: FontStore,
    system_faces: usize,
}

impl FontSet {
    /// Loads the built-in fonts, the extra files and (when asked) the system fonts.
    pub fn load(options: &FontOptions) -> Result<Self, PdfError> {
        let mut store = FontStore::new();
        store.extend(EMBEDDED.iter().flat_map(|&data| faces(Bytes::new(data))));

        for file in &options.extra {
            let mut found = faces(file.data.clone()).peekable();
            if found.peek().is_none() {
                return Err(PdfError::Font { name: file.name.clone() });
            }
            store.extend(found);
            tracing::debug!(font = %file.name, "extra font loaded");
        }

        let system_faces = if options.system { add_system_fonts(&mut store) } else { 0 };
        Ok(Self { store, system_faces })
    }

    /// Only the built-in fonts: output that does not depend on the machine.
    pub fn embedded() -> Self {
        let mut store = FontStore::new();
        store.extend(EMBEDDED.iter().flat_map(|&data| faces(Bytes::new(data))));
        Self { store, system_faces: 0 }
    }

    /// Whether a family of this name (any case) is available.
    pub fn contains_family(&self, family: &str) -> bool {
        self.store.book().contains_family(&family.to_lowercase())
    }

    /// The family typst falls back to for `c` from a regular face, if any font has it.
    pub fn family_covering(&self, c: char) -> Option<&str> {
        let book = self.store.book();
        let index =
            book.select_fallback(None, FontVariant::default(), c.encode_utf8(&mut [0; 4]))?;
        book.info(index).map(|info| info.family.as_str())
    }

    /// How many font faces were found on the machine (zero when not asked for).
    pub fn system_faces(&self) -> usize {
        self.system_faces
    }

    /// The store behind the typst world.
    pub(crate) fn store(&self) -> &FontStore {
        &self.store
    }
}

/// Each face in a font file or collection, with its metadata.
fn faces(data: Bytes) -> impl Iterator<Item = (Font, FontInfo)> {
    Font::iter(data).map(|font| {
        let info = font.info().clone();
        (font, info)
    })
}

/// Adds the machine's fonts, skipping families already served, and returns how many.
fn add_system_fonts(store: &mut FontStore) -> usize {
    let started = std::time::Instant::now();
    let served: BTreeSet<String> =
        store.book().families().map(|(family, _)| family.to_lowercase()).collect();

    let mut added = 0;
    for (path, info) in typst_kit::fonts::system() {
        if !served.contains(&info.family.to_lowercase()) {
            store.push((path, info));
            added += 1;
        }
    }
    tracing::debug!(faces = added, elapsed = ?started.elapsed(), "system fonts found");
    added
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_fonts_map_to_metric_compatible_families() {
        assert_eq!(family_for("Calibri"), "Carlito");
        assert_eq!(family_for("  CAMBRIA "), "Caladea");
        assert_eq!(family_for("helvetica"), "Liberation Sans");
        assert_eq!(family_for("Times New Roman"), "Liberation Serif");
        assert_eq!(family_for("Courier"), "Liberation Mono");
        assert_eq!(family_for("Liberation Serif"), "Liberation Serif");
        assert_eq!(family_for("Wingdings"), FALLBACK_FAMILY);
    }

    #[test]
    fn font_book_records_each_unmatched_name_once() {
        let book = FontBook::new();
        assert_eq!(book.family("Arial"), "Liberation Sans");
        assert_eq!(book.family("Georgia"), FALLBACK_FAMILY);
        assert_eq!(book.family("GEORGIA"), FALLBACK_FAMILY);
        assert_eq!(book.family("Bahnschrift"), FALLBACK_FAMILY);
        assert_eq!(book.unmatched(), ["Bahnschrift", "Georgia"]);
    }

    #[test]
    fn every_built_in_family_has_four_styles() {
        let fonts = FontSet::embedded();
        for family in ["Carlito", "Caladea", "Liberation Sans", "Liberation Serif"] {
            let faces = fonts.store().book().select_family(&family.to_lowercase()).count();
            assert_eq!(faces, 4, "{family}");
        }
        assert!(fonts.contains_family("liberation mono"));
        assert_eq!(fonts.family_covering('é'), Some("Carlito"));
    }

    #[test]
    fn a_file_without_fonts_is_an_error() {
        let options = FontOptions {
            extra: vec![FontFile { name: "notes.txt".into(), data: Bytes::new(b"hello") }],
            system: false,
        };
        let err = FontSet::load(&options).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("notes.txt"), "{err}");
    }
}
