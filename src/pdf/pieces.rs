//! Splitting a document's markup into files, so that what the documents of one template
//! share is laid out once for all of them.
//!
//! Typst remembers the layout of every paragraph and table cell it has set, keyed by
//! its content and the syntax positions it came from. In one file, those positions
//! depend on everything else in the file: one more school in a list moves every position
//! after it, and nothing the document before set is reused. So each top-level block (a
//! paragraph or a table) goes into a file of its own:
//!
//! - A block whose text has been seen before (a clause of the agreement, say) gets a
//!   file named by its text, shared by every document that has it.
//! - A block seen for the first time gets a file named by its shape (its text with
//!   what its strings say left out) and its place among the blocks of that shape. The
//!   next document's block in that place, a table naming another partner say, parses
//!   to the same positions, so its cells that say the same are not set again.
//!
//! Names are interned for the life of the process, so both kinds are capped.
//!
//! The main file keeps only the document's settings, which a template fixes. Each
//! header and footer moves to a file read while the page is laid out, so that a header
//! naming the partnership does not change the page settings every paragraph is set
//! under. None of this changes the output: the same markup gives the same PDF whether
//! its blocks are shared, in files of their own or inline.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::ops::Range;
use std::sync::{LazyLock, Mutex, PoisonError};

use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::utils::hash128;

use super::convert::TABS;

/// Where a document's markup holds parts that stand on their own.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pieces {
    /// Top-level blocks (a paragraph or table with the space before it), in order: each
    /// is complete markup that depends on nothing before it.
    pub blocks: Vec<Range<usize>>,
    /// Headers and footers in the page rules: each a code expression giving content.
    pub stories: Vec<Range<usize>>,
}

/// The folder of the files made here, apart from anything a document loads.
const FOLDER: &str = "/partnerdocs-pieces";

/// At most this many names of shared and shaped files, for the life of the process
/// (typst can intern 65,535 paths in all). Past it, new blocks stay in their runs.
const MAX_SHARED: usize = 20_000;

/// How many blocks of one shape in a run get a name by their shape and place.
const MAX_SAME_SHAPE: usize = 8;

/// How many texts seen once are remembered before the list starts again.
const MAX_SEEN: usize = 200_000;

/// One file of a document: its source and where its text came from in the markup.
#[derive(Clone)]
pub(crate) struct Piece {
    pub(crate) source: Source,
    /// `(offset in the file, offset in the markup, length)` for each stretch of the
    /// file copied from the markup.
    origins: Vec<(usize, usize, usize)>,
}

impl Piece {
    /// Where a byte of this file came from in the markup, when it came from there.
    pub(crate) fn origin(&self, offset: usize) -> Option<usize> {
        self.origins
            .iter()
            .find(|(start, _, len)| (*start..start + len).contains(&offset))
            .map(|(start, from, _)| from + offset - start)
    }
}

/// A document's markup as files: the main one and the rest, by id.
pub(crate) struct Split {
    pub(crate) main: Piece,
    pub(crate) files: HashMap<FileId, Piece>,
}

/// Blocks seen once, and the shared files of blocks seen again.
#[derive(Default)]
struct Registry {
    seen: HashSet<u128>,
    shared: HashMap<u128, Source>,
    /// The shapes and places that have a name.
    shaped: HashSet<(u128, usize)>,
}

static REGISTRY: LazyLock<Mutex<Registry>> = LazyLock::new(Mutex::default);

/// Splits `markup` at its pieces; `main` is the id the main file gets.
pub(crate) fn split(markup: &str, pieces: &Pieces, main: FileId) -> Split {
    let mut builder = Builder { markup, text: String::new(), origins: Vec::new() };
    let mut files = HashMap::new();

    let mut cuts: Vec<(Range<usize>, bool)> = pieces
        .stories
        .iter()
        .map(|range| (range.clone(), true))
        .chain(pieces.blocks.iter().map(|range| (range.clone(), false)))
        .filter(|(range, _)| range.start < range.end && markup.get(range.clone()).is_some())
        .collect();
    cuts.sort_by_key(|(range, _)| range.start);

    let mut at = 0;
    let mut cuts = cuts.into_iter().peekable();
    let (mut stories, mut runs) = (0, 0);
    // How many blocks of each shape the document has had so far.
    let mut shapes = HashMap::new();
    while let Some((range, story)) = cuts.next() {
        if range.start < at {
            continue; // overlapping pieces: keep the first
        }
        builder.copy(at..range.start);
        if story {
            stories += 1;
            let id = piece_id(&format!("story-{stories}.typ"));
            let _ = write!(builder.text, "context include \"{}\"", path_of(id));
            files.insert(id, story_file(markup, id, &range));
            at = range.end;
            continue;
        }

        // Blocks next to each other make one run, included from the main file.
        let mut run = vec![range];
        while let Some((next, false)) = cuts.peek() {
            let last = run.last().map_or(0, |r| r.end);
            if next.start != last {
                break;
            }
            run.extend(cuts.next().map(|(next, _)| next));
        }
        runs += 1;
        let id = piece_id(&format!("run-{runs}.typ"));
        let _ = writeln!(builder.text, "#include \"{}\"", path_of(id));
        at = run.last().map_or(at, |r| r.end);
        let piece = run_file(markup, id, &run, &mut files, &mut shapes);
        files.insert(id, piece);
    }
    builder.copy(at..markup.len());

    let main = Piece { source: Source::new(main, builder.text), origins: builder.origins };
    Split { main, files }
}

/// A file's text as it is put together, with where each stretch came from.
struct Builder<'a> {
    markup: &'a str,
    text: String,
    origins: Vec<(usize, usize, usize)>,
}

impl Builder<'_> {
    /// Appends `range` of the markup.
    fn copy(&mut self, range: Range<usize>) {
        if let Some(part) = self.markup.get(range.clone()).filter(|p| !p.is_empty()) {
            self.origins.push((self.text.len(), range.start, part.len()));
            self.text.push_str(part);
        }
    }
}

/// The file of a header or footer: its expression as markup.
fn story_file(markup: &str, id: FileId, range: &Range<usize>) -> Piece {
    let story = &markup[range.clone()];
    block_piece(Source::new(id, with_tabs(&format!("#{story}"))), range)
}

/// The file of one block: `source` ends with the markup at `range`.
fn block_piece(source: Source, range: &Range<usize>) -> Piece {
    let lead = source.text().len() - range.len();
    Piece { source, origins: vec![(lead, range.start, range.len())] }
}

/// The file of a run of blocks: each block as an include of its shared file when it
/// has one, else of a file named by its shape and place, else its text.
fn run_file(
    markup: &str,
    id: FileId,
    run: &[Range<usize>],
    files: &mut HashMap<FileId, Piece>,
    shapes: &mut HashMap<u128, usize>,
) -> Piece {
    // Hashing and parsing happen outside the lock; other documents split meanwhile.
    let hashes: Vec<(u128, u128)> = (run.iter())
        .map(|range| {
            (hash128(&markup[range.clone()]), hash128(&shape(&markup[range.clone()])))
        })
        .collect();
    let homes: Vec<Home> = {
        let mut registry = REGISTRY.lock().unwrap_or_else(PoisonError::into_inner);
        (run.iter().zip(hashes))
            .map(|(range, (text, shape))| {
                let block = &markup[range.clone()];
                match registry.shared_file(block, text) {
                    Some(source) => Home::Shared(source),
                    None => {
                        registry.shaped_id(shape, shapes).map_or(Home::Inline, Home::Shaped)
                    }
                }
            })
            .collect()
    };
    let mut builder = Builder { markup, text: String::new(), origins: Vec::new() };
    let inline_tabs = (run.iter().zip(&homes)).any(|(range, home)| {
        matches!(home, Home::Inline) && markup[range.clone()].contains("partnerdocs-tabs(")
    });
    if inline_tabs {
        builder.text.push_str(TABS);
    }
    for (range, home) in run.iter().zip(homes) {
        let source = match home {
            Home::Shared(source) => source,
            Home::Shaped(id) => Source::new(id, with_tabs(&markup[range.clone()])),
            Home::Inline => {
                builder.copy(range.clone());
                continue;
            }
        };
        let _ = writeln!(builder.text, "#include \"{}\"", path_of(source.id()));
        files.entry(source.id()).or_insert_with(|| block_piece(source, range));
    }
    Piece { source: Source::new(id, builder.text), origins: builder.origins }
}

/// Where a block of a run goes.
enum Home {
    /// The shared file of its text.
    Shared(Source),
    /// A file named by its shape and place.
    Shaped(FileId),
    /// The run's own file.
    Inline,
}

/// A block's text, after the tab function when it uses it.
fn with_tabs(block: &str) -> String {
    let mut text = String::with_capacity(block.len());
    if block.contains("partnerdocs-tabs(") {
        text.push_str(TABS);
    }
    text.push_str(block);
    text
}

/// A block's text with what its strings say left out: blocks of the same shape parse
/// into the same syntax tree, whatever the partnership.
fn shape(block: &str) -> String {
    let mut shape = String::with_capacity(block.len());
    let mut chars = block.chars();
    while let Some(c) = chars.next() {
        shape.push(c);
        if c == '"' {
            while let Some(c) = chars.next() {
                match c {
                    '\\' => {
                        chars.next();
                    }
                    '"' => break,
                    _ => {}
                }
            }
            shape.push('"');
        }
    }
    shape
}

impl Registry {
    /// The shared file of a block seen before, by the hash of its text; `None` the first
    /// time (which is noted).
    fn shared_file(&mut self, block: &str, hash: u128) -> Option<Source> {
        if let Some(source) = self.shared.get(&hash) {
            return Some(source.clone());
        }
        if !self.seen.contains(&hash) {
            if self.seen.len() >= MAX_SEEN {
                self.seen.clear();
            }
            self.seen.insert(hash);
            return None;
        }
        if self.shared.len() + self.shaped.len() >= MAX_SHARED {
            return None;
        }
        let id = piece_id(&format!("shared/{hash:032x}.typ"));
        let source = Source::new(id, with_tabs(block));
        self.shared.insert(hash, source.clone());
        Some(source)
    }

    /// A file name for a block seen for the first time, the same in every document
    /// for the same place: named by the block's shape and how many blocks of that shape
    /// came before it in the document. A table that names the partner in one cell then has
    /// its other cells where they were in the last document, and their layout is
    /// reused. `None` past a few of one shape, or when names run short.
    /// `hash` is the hash of the block's shape.
    fn shaped_id(
        &mut self,
        hash: u128,
        shapes: &mut HashMap<u128, usize>,
    ) -> Option<FileId> {
        let count = shapes.entry(hash).or_default();
        let place = *count;
        *count += 1;
        if place >= MAX_SAME_SHAPE {
            return None;
        }
        if !self.shaped.contains(&(hash, place)) {
            if self.shared.len() + self.shaped.len() >= MAX_SHARED {
                return None;
            }
            self.shaped.insert((hash, place));
        }
        Some(piece_id(&format!("shaped/{hash:032x}-{place}.typ")))
    }
}

/// The id of a file in the pieces' folder.
fn piece_id(name: &str) -> FileId {
    let path = format!("{FOLDER}/{name}");
    let Ok(vpath) = VirtualPath::new(&path) else {
        unreachable!("{path} is a valid virtual path")
    };
    RootedPath::new(VirtualRoot::Project, vpath).intern()
}

/// A file's path as markup names it.
fn path_of(id: FileId) -> String {
    id.vpath().get_with_slash().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdf::{convert_docx, render_pdf, Bytes, PdfOptions};

    /// Markup with a header and `blocks` after the page rule, and where its pieces are.
    fn document(blocks: &[&str]) -> (String, Pieces) {
        let mut markup = String::from("#set text(size: 11pt)\n#set page(header: ");
        let mut pieces = Pieces::default();
        let story = "[#context counter(page).display()]";
        pieces.stories.push(markup.len()..markup.len() + story.len());
        markup.push_str(story);
        markup.push_str(")\n");
        for block in blocks {
            pieces.blocks.push(markup.len()..markup.len() + block.len());
            markup.push_str(block);
        }
        (markup, pieces)
    }

    fn main_id() -> FileId {
        piece_id("test-main.typ")
    }

    fn file_text<'a>(split: &'a Split, name: &str) -> &'a str {
        split
            .files
            .iter()
            .find(|(id, _)| id.vpath().get_with_slash().ends_with(name))
            .map(|(_, piece)| piece.source.text())
            .unwrap_or_else(|| panic!("no file {name}"))
    }

    /// The files `split` made whose path holds `part`, with their text.
    fn files_named<'a>(split: &'a Split, part: &str) -> Vec<(String, &'a str)> {
        let mut found: Vec<(String, &str)> = (split.files.iter())
            .map(|(id, piece)| (path_of(*id), piece.source.text()))
            .filter(|(path, _)| path.contains(part))
            .collect();
        found.sort();
        found
    }

    #[test]
    fn the_main_file_keeps_the_settings_and_includes_the_rest() {
        let (markup, pieces) = document(&["#par[First alone.]\n", "#par[Second alone.]\n"]);
        let split = split(&markup, &pieces, main_id());
        let main = split.main.source.text();
        assert!(main.starts_with("#set text(size: 11pt)\n"), "{main}");
        assert!(
            main.contains("header: context include \"/partnerdocs-pieces/story-1.typ\")"),
            "{main}"
        );
        assert!(main.contains("#include \"/partnerdocs-pieces/run-1.typ\""), "{main}");
        assert!(!main.contains("alone"), "{main}");
        assert_eq!(file_text(&split, "story-1.typ"), "#[#context counter(page).display()]");
        let run = file_text(&split, "run-1.typ");
        assert_eq!(
            run.matches("#include \"/partnerdocs-pieces/shaped/").count(),
            2,
            "{run}"
        );
        let texts: Vec<&str> =
            files_named(&split, "/shaped/").iter().map(|f| f.1).collect();
        assert!(texts.contains(&"#par[First alone.]\n"), "{texts:?}");
        assert!(texts.contains(&"#par[Second alone.]\n"), "{texts:?}");
    }

    #[test]
    fn blocks_of_one_shape_keep_their_names_from_document_to_document() {
        let (first, pieces) = document(&["#par[#\"Partner one, 51c2\"]\n"]);
        let first = split(&first, &pieces, main_id());
        let (second, pieces) = document(&["#par[#\"Partner two, longer, 51c2\"]\n"]);
        let second = split(&second, &pieces, main_id());
        let (one, two) =
            (files_named(&first, "/shaped/"), files_named(&second, "/shaped/"));
        assert_eq!(one.len(), 1);
        assert_eq!(two.len(), 1);
        assert_eq!(one[0].0, two[0].0, "the same place has the same name");
        assert_ne!(one[0].1, two[0].1, "each with its own text");
    }

    #[test]
    fn many_blocks_of_one_shape_stay_in_the_run() {
        let blocks: Vec<String> = (0..MAX_SAME_SHAPE + 2)
            .map(|n| format!("#par[#\"Item {n}, 9d40\"]\n"))
            .collect();
        let blocks: Vec<&str> = blocks.iter().map(String::as_str).collect();
        let (markup, pieces) = document(&blocks);
        let split = split(&markup, &pieces, main_id());
        assert_eq!(files_named(&split, "/shaped/").len(), MAX_SAME_SHAPE);
        let run = file_text(&split, "run-1.typ");
        assert!(
            run.ends_with("#par[#\"Item 8, 9d40\"]\n#par[#\"Item 9, 9d40\"]\n"),
            "{run}"
        );
    }

    #[test]
    fn a_block_seen_again_gets_a_file_of_its_own() {
        let clause = "#par[A clause every agreement has, 7f3a.]\n";
        let (first, pieces) = document(&["#par[Partner one.]\n", clause]);
        let once = split(&first, &pieces, main_id());
        assert!(files_named(&once, "/shared/").is_empty());

        let (second, pieces) = document(&["#par[Partner two, longer.]\n", clause]);
        let again = split(&second, &pieces, main_id());
        let shared = files_named(&again, "/shared/");
        assert_eq!(shared.len(), 1);
        assert_eq!(shared[0].1, clause);
        let run = file_text(&again, "run-1.typ");
        assert!(run.ends_with(&format!("#include \"{}\"\n", shared[0].0)), "{run}");
        // Its text maps back to where the clause is in this document's markup.
        let (id, piece) = (again.files.iter())
            .find(|(id, _)| path_of(**id) == shared[0].0)
            .expect("the shared file");
        let at = second.find(clause).unwrap();
        assert_eq!(piece.origin(5), Some(at + 5), "{id:?}");
    }

    #[test]
    fn a_shape_leaves_out_what_strings_say() {
        assert_eq!(
            shape(r#"#text(weight: "bold", "A \"quoted\" name")#"x""#),
            r#"#text(weight: "", "")#"""#
        );
    }

    #[test]
    fn blocks_that_use_tabs_carry_the_tab_function() {
        let tabbed = "#par[#partnerdocs-tabs(0pt, 100pt, 36pt, (), ([a], [b],))]\n";
        let (markup, pieces) = document(&[tabbed]);
        let alone = split(&markup, &pieces, main_id());
        let files = files_named(&alone, "/shaped/");
        assert_eq!(files.len(), 1);
        assert!(files[0].1.starts_with("#let partnerdocs-tabs("), "{}", files[0].1);
        // Inline, it is the run that defines it.
        let blocks: Vec<String> = (0..=MAX_SAME_SHAPE)
            .map(|n| {
                format!("#par[#partnerdocs-tabs(0pt, 9pt, 36pt, (), ([#\"{n} 2b7e\"],))]\n")
            })
            .collect();
        let blocks: Vec<&str> = blocks.iter().map(String::as_str).collect();
        let (markup, pieces) = document(&blocks);
        let many = split(&markup, &pieces, main_id());
        let run = file_text(&many, "run-1.typ");
        assert!(run.starts_with("#let partnerdocs-tabs("), "{run}");
        assert!(run.ends_with(blocks[MAX_SAME_SHAPE]), "{run}");
    }

    /// Renders a shipped template's markup whole, then split twice (its blocks inline,
    /// then from shared files): all three PDFs are the same bytes.
    #[test]
    fn split_or_whole_the_pdf_is_the_same() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/templates/moa.docx");
        let docx = std::fs::read(path).expect("the shipped MOA template");
        let converted = convert_docx(&docx).expect("converts");
        assert!(
            !converted.pieces.blocks.is_empty() && !converted.pieces.stories.is_empty()
        );
        let mut options = PdfOptions::new(chrono::NaiveDate::MIN);
        options.files = (converted.files.iter())
            .map(|(name, bytes)| (name.clone(), Bytes::new(bytes.clone())))
            .collect();
        let whole = render_pdf(&converted.markup, &options).expect("renders whole");
        options.pieces = converted.pieces.clone();
        let first = render_pdf(&converted.markup, &options).expect("renders split");
        let second = render_pdf(&converted.markup, &options).expect("renders shared");
        assert_eq!(whole.pages, first.pages);
        assert!(whole.pdf == first.pdf, "the split document's PDF differs");
        assert!(whole.pdf == second.pdf, "the shared blocks' PDF differs");
    }

    #[test]
    fn errors_point_into_the_markup_as_given() {
        let (markup, pieces) = document(&["#par[Fine.]\n", "#par[#no-such-thing]\n"]);
        let mut options = PdfOptions::new(chrono::NaiveDate::MIN);
        let whole = render_pdf(&markup, &options).expect_err("fails whole");
        options.pieces = pieces;
        let split = render_pdf(&markup, &options).expect_err("fails split");
        assert_eq!(whole.messages(), split.messages());
        assert!(whole.messages()[0].starts_with("line 4, column 7: "), "{whole}");
    }
}
