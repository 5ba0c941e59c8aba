//! Telling, before layout, that a table cell holds a single line of text.
//!
//! Word keeps a row marked "can't split" on one page. Typst lays an unbreakable row out
//! three times (to find its group's height, to measure it, and to set it) where a
//! breakable one takes two. A cell whose text is one line that fits its width cannot
//! split anyway, so a row of such cells is set as breakable with the same result, and
//! sooner. The width of a line is the sum of its glyphs' advances: the markup sets text
//! without kerning or ligatures, as Word does, so nothing else moves the glyphs apart.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use typst::layout::Abs;
use typst::text::{FontInstance, FontStyle, FontVariant, FontVariations, FontWeight};

use crate::pdf::Typesetter;

/// What a cell's content has shown so far about the lines it will take.
#[derive(Debug, Clone, Default)]
pub(crate) struct LineMeasure {
    /// The width of the paragraph's text so far, in points.
    width: f64,
    /// How many paragraphs the cell has had.
    paragraphs: usize,
    /// The room the first line of the paragraph has, from the cell's left edge.
    room: Option<f64>,
    /// Something in the cell (a break, tab, picture, field, list label, table, or text
    /// in a font or size not measured here) leaves its lines unknown.
    unknown: bool,
}

/// How text is set, as far as its width goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Face {
    pub family: &'static str,
    pub bold: bool,
    pub italic: bool,
}

impl LineMeasure {
    /// A paragraph starts, with `room` points for its first line.
    pub(crate) fn paragraph(&mut self, room: f64) {
        self.paragraphs += 1;
        self.room = Some(room);
    }

    /// The cell holds something whose lines cannot be told here.
    pub(crate) fn give_up(&mut self) {
        self.unknown = true;
    }

    /// Text set in `face` at `size` points joins the paragraph's line.
    pub(crate) fn text(&mut self, face: Face, size: f64, text: &str) {
        if self.unknown {
            return;
        }
        match text_width(face, size, text) {
            Some(width) => self.width += width,
            None => self.unknown = true,
        }
        // Past the room there is nothing more to learn.
        if self.width > self.room.unwrap_or(0.0) {
            self.unknown = true;
        }
    }

    /// Whether the cell is one paragraph whose text fits on its first line, with a
    /// little room to spare for what shaping might add.
    pub(crate) fn is_one_line(&self) -> bool {
        let room = self.room.unwrap_or(0.0);
        !self.unknown && self.paragraphs == 1 && self.width * 1.02 + 1.0 <= room
    }
}

/// The width of `text` set in `face` at `size` points, or `None` when a character
/// is not one the built-in font draws on its own line (a line break, a control
/// character, or one found in a fallback font).
fn text_width(face: Face, size: f64, text: &str) -> Option<f64> {
    thread_local! {
        static WIDTHS: RefCell<HashMap<Face, Option<Rc<Widths>>>> = RefCell::default();
    }
    let widths = WIDTHS.with(|widths| {
        widths.borrow_mut().entry(face).or_insert_with(|| Widths::of(face)).clone()
    })?;
    let mut advance = 0u64;
    for c in text.chars() {
        advance += u64::from(widths.advance(c)?);
    }
    Some(advance as f64 / widths.units_per_em * size)
}

/// The advances of one face's glyphs, with those of ASCII looked up once.
struct Widths {
    font: FontInstance,
    ascii: [Option<u16>; 128],
    units_per_em: f64,
}

impl Widths {
    /// The widths of the font typst sets `face` in, from the fonts every render has.
    fn of(face: Face) -> Option<Rc<Widths>> {
        let font = select(face)?;
        let mut ascii = [None; 128];
        for (code, slot) in (0u8..128).zip(&mut ascii) {
            *slot = glyph_advance(&font, char::from(code));
        }
        let units_per_em = f64::from(font.ttf().units_per_em());
        Some(Rc::new(Widths { font, ascii, units_per_em }))
    }

    /// The advance of `c` in font units.
    fn advance(&self, c: char) -> Option<u16> {
        match self.ascii.get(c as usize) {
            Some(advance) => *advance,
            None => glyph_advance(&self.font, c),
        }
    }
}

/// The advance of `c`'s glyph, if it is a character with one that starts no new line.
fn glyph_advance(font: &FontInstance, c: char) -> Option<u16> {
    if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
        return None;
    }
    let ttf = font.ttf();
    ttf.glyph_hor_advance(ttf.glyph_index(c)?)
}

/// Picks the face as typst's font book would for the family, weight and style.
fn select(face: Face) -> Option<FontInstance> {
    let store = Typesetter::shared().fonts().store();
    let variant = FontVariant {
        style: if face.italic { FontStyle::Italic } else { FontStyle::Normal },
        weight: if face.bold { FontWeight::BOLD } else { FontWeight::REGULAR },
        ..FontVariant::default()
    };
    let index = store.book().select(&face.family.to_lowercase(), variant)?;
    // The built-in fonts have no variation axes: any size gives the same advances.
    let font = store.font(index)?;
    Some(font.instantiate(variant, Abs::pt(10.0), &FontVariations::default()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CARLITO: Face = Face { family: "Carlito", bold: false, italic: false };

    #[test]
    fn widths_come_from_the_fonts_advances() {
        // Carlito is metric-compatible with Calibri: "M" is 1,751 of 2,048 units wide.
        let width = text_width(CARLITO, 10.0, "MM").unwrap_or_default();
        assert!((width - 2.0 * 1751.0 / 2048.0 * 10.0).abs() < 1e-9, "{width}");
        let bold = Face { bold: true, ..CARLITO };
        let plain = text_width(CARLITO, 11.0, "Partnership").unwrap_or_default();
        assert!(text_width(bold, 11.0, "Partnership").unwrap_or_default() > plain);
    }

    #[test]
    fn a_short_paragraph_is_one_line_and_anything_else_is_not() {
        let mut cell = LineMeasure::default();
        cell.paragraph(100.0);
        cell.text(CARLITO, 10.0, "P-000007");
        assert!(cell.is_one_line());

        let mut long = cell.clone();
        long.text(CARLITO, 10.0, &"Lincoln Elementary, ".repeat(4));
        assert!(!long.is_one_line());

        let mut two = cell.clone();
        two.paragraph(100.0);
        assert!(!two.is_one_line());

        let mut broken = cell.clone();
        broken.text(CARLITO, 10.0, "a\nb");
        assert!(!broken.is_one_line());

        let mut gave_up = cell;
        gave_up.give_up();
        assert!(!gave_up.is_one_line());
        assert!(!LineMeasure::default().is_one_line());
    }

    #[test]
    fn characters_the_font_lacks_leave_the_width_unknown() {
        assert_eq!(text_width(CARLITO, 10.0, "合作"), None);
    }
}
