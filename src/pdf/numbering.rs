//! Bulleted and numbered lists: numbering.xml's definitions and the running counters.

use std::collections::{HashMap, HashSet};

use crate::docx::xml::Node;
use crate::pdf::styles::{attr, child, para_props, run_props, ParaProps, RunProps, Theme};

/// One level of a list definition.
#[derive(Debug, Clone, Default)]
pub struct Level {
    pub start: u32,
    pub format: String,
    pub text: String,
    /// What follows the label: `tab` (Word's default), `space` or `nothing`.
    pub suffix: String,
    pub para: ParaProps,
    pub run: RunProps,
}

/// The list definitions of a document and the counters of the lists seen so far.
#[derive(Debug, Clone, Default)]
pub struct Numbering {
    abstracts: HashMap<String, Vec<Level>>,
    /// numId to its abstract definition and per-level start overrides.
    instances: HashMap<String, (String, HashMap<usize, u32>)>,
    /// The counters of each abstract definition, by level.
    counters: HashMap<String, Vec<Option<u32>>>,
    /// The lists (numIds) used so far.
    started: HashSet<String>,
}

impl Numbering {
    /// Reads numbering.xml (its top-level nodes).
    pub fn from_nodes(nodes: &[Node], theme: &Theme) -> Numbering {
        let mut numbering = Numbering::default();
        let Some(root) = nodes.iter().find(|n| n.is("w:numbering")) else {
            return numbering;
        };
        for node in root.children() {
            if node.is("w:abstractNum") {
                let Some(id) = attr(node, "w:abstractNumId") else {
                    continue;
                };
                let mut levels = vec![Level::default(); 9];
                for lvl in node.children().iter().filter(|n| n.is("w:lvl")) {
                    let index: usize =
                        attr(lvl, "w:ilvl").and_then(|v| v.parse().ok()).unwrap_or(0);
                    if index >= levels.len() {
                        continue;
                    }
                    let value =
                        |name: &str| child(lvl, name).and_then(|n| attr(n, "w:val"));
                    levels[index] = Level {
                        start: value("w:start").and_then(|v| v.parse().ok()).unwrap_or(1),
                        format: value("w:numFmt").unwrap_or("decimal").to_string(),
                        text: value("w:lvlText")
                            .map(|t| {
                                quick_xml::escape::unescape(t)
                                    .map_or(t.to_string(), |u| u.into_owned())
                            })
                            .unwrap_or_default(),
                        suffix: value("w:suff").unwrap_or("tab").to_string(),
                        para: child(lvl, "w:pPr").map(para_props).unwrap_or_default(),
                        run: child(lvl, "w:rPr")
                            .map(|n| run_props(n, theme))
                            .unwrap_or_default(),
                    };
                }
                numbering.abstracts.insert(id.to_string(), levels);
            } else if node.is("w:num") {
                let Some(id) = attr(node, "w:numId") else {
                    continue;
                };
                let Some(abstract_id) =
                    child(node, "w:abstractNumId").and_then(|n| attr(n, "w:val"))
                else {
                    continue;
                };
                let mut overrides = HashMap::new();
                for over in node.children().iter().filter(|n| n.is("w:lvlOverride")) {
                    let level = attr(over, "w:ilvl").and_then(|v| v.parse().ok());
                    let start = child(over, "w:startOverride")
                        .and_then(|n| attr(n, "w:val"))
                        .and_then(|v| v.parse().ok());
                    if let (Some(level), Some(start)) = (level, start) {
                        overrides.insert(level, start);
                    }
                }
                numbering
                    .instances
                    .insert(id.to_string(), (abstract_id.to_string(), overrides));
            }
        }
        numbering
    }

    /// The definition of a list level.
    pub fn level(&self, id: &str, level: usize) -> Option<&Level> {
        let (abstract_id, _) = self.instances.get(id)?;
        self.abstracts.get(abstract_id)?.get(level)
    }

    /// Counts one more item at `level` of list `id` and gives its label (`3.`, `•`, `b)`).
    ///
    /// As in Word, lists that share a definition share its counters, so a second list
    /// continues the first; a list with a start override starts again where it is
    /// first used.
    pub fn next_label(&mut self, id: &str, level: usize) -> Option<String> {
        let (abstract_id, overrides) = self.instances.get(id)?;
        let levels = self.abstracts.get(abstract_id)?;
        let definition = levels.get(level)?;
        if definition.format == "none" && definition.text.is_empty() {
            return None;
        }
        let counters =
            self.counters.entry(abstract_id.clone()).or_insert_with(|| vec![None; 9]);
        if self.started.insert(id.to_string()) {
            for &overridden in overrides.keys() {
                if let Some(counter) = counters.get_mut(overridden) {
                    *counter = None;
                }
            }
        }
        let start = |l: usize| overrides.get(&l).copied().unwrap_or(levels[l].start);
        let current = counters[level].map_or(start(level), |n| n + 1);
        counters[level] = Some(current);
        for deeper in counters.iter_mut().skip(level + 1) {
            *deeper = None;
        }

        if definition.format == "bullet" {
            return Some(bullet(&definition.text, definition.run.font.as_deref()));
        }
        let mut label = definition.text.clone();
        for (index, counter) in counters.iter().enumerate().take(level + 1).rev() {
            let value = counter.unwrap_or_else(|| start(index));
            let format = levels[index].format.as_str();
            label =
                label.replace(&format!("%{}", index + 1), &format_number(value, format));
        }
        Some(label)
    }
}

/// Whether a font draws symbols in place of letters; its bullets are written as the
/// Unicode characters they look like, in the text's own font.
pub fn is_symbol_font(font: &str) -> bool {
    let font = font.trim().to_ascii_lowercase();
    font == "symbol" || font.starts_with("wingdings") || font == "webdings"
}

/// Word's bullet characters, many from the Symbol and Wingdings fonts, as Unicode.
fn bullet(text: &str, font: Option<&str>) -> String {
    let c = text.chars().next().unwrap_or('\u{2022}');
    let mapped = match (c, font.unwrap_or("").to_ascii_lowercase().as_str()) {
        ('\u{F0B7}' | '\u{B7}', _) => '\u{2022}',
        ('\u{F0A7}' | '\u{A7}', "wingdings") => '\u{25AA}',
        ('\u{F0A7}', _) => '\u{25AA}',
        ('\u{F0D8}' | '\u{D8}', "wingdings") => '\u{27A2}',
        ('\u{F0FC}' | '\u{FC}', "wingdings") => '\u{2713}',
        (c, _) if ('\u{F000}'..='\u{F0FF}').contains(&c) => '\u{2022}',
        (c, _) => c,
    };
    mapped.to_string()
}

/// A list number in Word's format: decimal, letters, Roman numerals.
pub fn format_number(value: u32, format: &str) -> String {
    match format {
        "lowerLetter" => letters(value).to_lowercase(),
        "upperLetter" => letters(value),
        "lowerRoman" => roman(value).to_lowercase(),
        "upperRoman" => roman(value),
        "decimalZero" => format!("{value:02}"),
        "none" => String::new(),
        _ => value.to_string(),
    }
}

fn letters(value: u32) -> String {
    if value == 0 {
        return String::new();
    }
    let letter = char::from(b'A' + ((value - 1) % 26) as u8);
    letter.to_string().repeat(((value - 1) / 26 + 1) as usize)
}

fn roman(mut value: u32) -> String {
    const NUMERALS: [(u32, &str); 13] = [
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    let mut out = String::new();
    for (amount, numeral) in NUMERALS {
        while value >= amount {
            out.push_str(numeral);
            value -= amount;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docx::xml::parse;

    #[test]
    fn numbered_lists_count_and_nest() {
        let xml = r#"<w:numbering><w:abstractNum w:abstractNumId="0">
            <w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%1."/></w:lvl>
            <w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="lowerLetter"/><w:lvlText w:val="%1.%2)"/></w:lvl>
            </w:abstractNum><w:abstractNum w:abstractNumId="1"><w:lvl w:ilvl="0"><w:numFmt w:val="bullet"/>
            <w:lvlText w:val="&#xF0B7;"/><w:rPr><w:rFonts w:ascii="Symbol"/></w:rPr></w:lvl></w:abstractNum>
            <w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num>
            <w:num w:numId="2"><w:abstractNumId w:val="1"/></w:num>
            <w:num w:numId="3"><w:abstractNumId w:val="0"/></w:num>
            <w:num w:numId="4"><w:abstractNumId w:val="0"/><w:lvlOverride w:ilvl="0">
            <w:startOverride w:val="1"/></w:lvlOverride></w:num></w:numbering>"#;
        let mut numbering = Numbering::from_nodes(&parse(xml).unwrap(), &Theme::default());
        assert_eq!(numbering.next_label("1", 0).as_deref(), Some("1."));
        assert_eq!(numbering.next_label("1", 1).as_deref(), Some("1.a)"));
        assert_eq!(numbering.next_label("1", 1).as_deref(), Some("1.b)"));
        assert_eq!(numbering.next_label("1", 0).as_deref(), Some("2."));
        assert_eq!(numbering.next_label("1", 1).as_deref(), Some("2.a)"));
        assert_eq!(numbering.next_label("2", 0).as_deref(), Some("\u{2022}"));
        // A second list of the first definition continues it, unless told to restart.
        assert_eq!(numbering.next_label("3", 0).as_deref(), Some("3."));
        assert_eq!(numbering.next_label("4", 0).as_deref(), Some("1."));
        assert_eq!(numbering.next_label("3", 0).as_deref(), Some("2."));
        assert_eq!(numbering.next_label("9", 0), None);
        assert_eq!(roman(1994), "MCMXCIV");
        assert_eq!(letters(27), "AA");
    }
}
