//! File and folder names built from partnership data, safe on every operating system.

use std::collections::HashSet;

/// Names Windows keeps for devices, whatever the ending.
const RESERVED: [&str; 22] = [
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7",
    "COM8", "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

/// Makes `text` a file name every system accepts: no `<>:"/\|?*` or control characters,
/// no leading or trailing dots and spaces, not a reserved device name, at most
/// `max_chars` characters.
pub fn safe_name(text: &str, max_chars: usize) -> String {
    let replaced: String = text
        .chars()
        .map(|c| match c {
            '<' | '>' | ':' | '"' | '/' | '\\' | '|' | '?' | '*' => ' ',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    let collapsed = replaced.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut name: String = collapsed.chars().take(max_chars).collect();
    name = name.trim_matches(|c: char| c == '.' || c.is_whitespace()).to_string();
    let stem = name.split('.').next().unwrap_or_default();
    if RESERVED.iter().any(|reserved| reserved.eq_ignore_ascii_case(stem)) {
        name.insert(0, '_');
    }
    if name.is_empty() {
        name.push_str("unnamed");
    }
    name
}

/// Hands out names that differ from each other ignoring case (as Windows and macOS compare).
#[derive(Debug, Default)]
pub struct UniqueNames {
    taken: HashSet<String>,
}

impl UniqueNames {
    /// `name`, or `name (2)`, `name (3)`... when it is taken.
    pub fn claim(&mut self, name: String) -> String {
        let mut candidate = name.clone();
        let mut counter = 2;
        while !self.taken.insert(candidate.to_lowercase()) {
            candidate = format!("{name} ({counter})");
            counter += 1;
        }
        candidate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_characters_and_reserved_names_are_fixed() {
        assert_eq!(
            safe_name("P-1 Ríos & Sons <Learning>: \"A/B\"?", 80),
            "P-1 Ríos & Sons Learning A B"
        );
        assert_eq!(safe_name("CON", 80), "_CON");
        assert_eq!(safe_name("nul.txt", 80), "_nul.txt");
        assert_eq!(safe_name(" ..hidden. ", 80), "hidden");
        assert_eq!(safe_name("???", 80), "unnamed");
        assert_eq!(safe_name("a\tb\nc", 80), "a b c");
        assert_eq!(safe_name("abcdef", 3), "abc");
        assert_eq!(safe_name("語".repeat(100).as_str(), 10).chars().count(), 10);
    }

    #[test]
    fn names_stay_unique_ignoring_case() {
        let mut names = UniqueNames::default();
        assert_eq!(names.claim("P-1 Acme".into()), "P-1 Acme");
        assert_eq!(names.claim("p-1 acme".into()), "p-1 acme (2)");
        assert_eq!(names.claim("P-1 Acme".into()), "P-1 Acme (3)");
    }
}
