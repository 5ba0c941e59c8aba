//! The typst world one document compiles in: its markup and files, over the standard
//! library and fonts that every document shares.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, LazyLock};

use chrono::{Datelike, NaiveDate};
use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook, FontFamily, FontList, TextElem};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

use super::fonts::{FontOptions, FontSet, FALLBACK_FAMILY};
use super::pieces::{self, Piece, Pieces};

/// The virtual path of every document's markup; one path, so one file id for all.
const MAIN_PATH: &str = "/main.typ";

/// Compiles documents; holds what every document shares, built once.
///
/// Cloning is cheap and clones share everything, so one typesetter serves any number
/// of threads.
#[derive(Clone)]
pub struct Typesetter {
    shared: Arc<Shared>,
}

/// The standard library and fonts, shared by every document.
struct Shared {
    library: LazyHash<Library>,
    fonts: FontSet,
    main: FileId,
}

impl Typesetter {
    /// A typesetter over these fonts.
    pub fn new(fonts: FontSet) -> Self {
        let library = LazyHash::new(build_library());
        let shared = Shared { library, fonts, main: main_file() };
        Self { shared: Arc::new(shared) }
    }

    /// The process-wide typesetter: built-in and system fonts, found on first use.
    pub fn shared() -> &'static Typesetter {
        static SHARED: LazyLock<Typesetter> = LazyLock::new(|| {
            let fonts = FontSet::load(&FontOptions::default())
                .unwrap_or_else(|_| FontSet::embedded());
            Typesetter::new(fonts)
        });
        &SHARED
    }

    /// The fonts documents can use.
    pub fn fonts(&self) -> &FontSet {
        &self.shared.fonts
    }

    /// The world for one document: `markup`, split at its `pieces`, as its files, and
    /// `files` for what it loads.
    pub(crate) fn world<'a>(
        &'a self,
        markup: &'a str,
        pieces: &Pieces,
        files: &'a HashMap<String, Bytes>,
        as_of: NaiveDate,
    ) -> DocumentWorld<'a> {
        let shared = &*self.shared;
        let split = pieces::split(markup, pieces, shared.main);
        DocumentWorld {
            shared,
            markup,
            main: split.main,
            pieces: split.files,
            files,
            today: typst_date(as_of),
        }
    }
}

/// The standard library, with the fallback family as the default font.
fn build_library() -> Library {
    let mut library = Library::default();
    let default_font = FontList(vec![FontFamily::new(FALLBACK_FAMILY)]);
    library.styles.set(TextElem::font, default_font);
    library
}

/// The file id of every document's markup.
fn main_file() -> FileId {
    let Ok(path) = VirtualPath::new(MAIN_PATH) else {
        unreachable!("{MAIN_PATH} is a valid virtual path")
    };
    RootedPath::new(VirtualRoot::Project, path).intern()
}

/// A date as typst has it; `None` for years typst cannot represent.
pub(crate) fn typst_date(date: NaiveDate) -> Option<Datetime> {
    let month = u8::try_from(date.month()).ok()?;
    let day = u8::try_from(date.day()).ok()?;
    Datetime::from_ymd(date.year(), month, day)
}

/// One document's world: its markup, the files it may load and a fixed date.
pub struct DocumentWorld<'a> {
    shared: &'a Shared,
    /// The markup as it was given, before it was split.
    markup: &'a str,
    main: Piece,
    pieces: HashMap<FileId, Piece>,
    files: &'a HashMap<String, Bytes>,
    today: Option<Datetime>,
}

impl DocumentWorld<'_> {
    /// The markup as it was given.
    pub(crate) fn markup(&self) -> &str {
        self.markup
    }

    /// Where a byte of one of the markup's files came from in the markup.
    pub(crate) fn markup_offset(&self, id: FileId, offset: usize) -> Option<usize> {
        self.piece(id)?.origin(offset)
    }

    /// One of the files the markup was split into.
    fn piece(&self, id: FileId) -> Option<&Piece> {
        if id == self.main.source.id() {
            Some(&self.main)
        } else {
            self.pieces.get(&id)
        }
    }

    /// The caller's bytes for a file the document loads.
    fn lookup(&self, id: FileId) -> FileResult<&Bytes> {
        let vpath = id.vpath();
        let not_found = || FileError::NotFound(PathBuf::from(vpath.get_with_slash()));
        if !matches!(id.root(), VirtualRoot::Project) {
            return Err(not_found());
        }

        // Callers may key a file as "media/logo.png" or "/media/logo.png".
        let files = self.files;
        files
            .get(vpath.get_without_slash())
            .or_else(|| files.get(vpath.get_with_slash()))
            .ok_or_else(not_found)
    }
}

impl World for DocumentWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &self.shared.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        self.shared.fonts.store().book()
    }

    fn main(&self) -> FileId {
        self.main.source.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if let Some(piece) = self.piece(id) {
            return Ok(piece.source.clone());
        }
        let text =
            std::str::from_utf8(self.lookup(id)?).map_err(|_| FileError::InvalidUtf8)?;
        Ok(Source::new(id, text.to_string()))
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if let Some(piece) = self.piece(id) {
            return Ok(Bytes::from_string(piece.source.clone()));
        }
        self.lookup(id).cloned()
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.shared.fonts.store().font(index)
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        // The as-of date, whatever the offset: the same input gives the same document.
        self.today
    }
}
