//! The three intensity levels of the Partnership Rubric.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// How intense a partnership is, or how a single rubric criterion rates it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Low,
    Medium,
    High,
}

impl Level {
    /// All levels, lowest first.
    pub const ALL: [Level; 3] = [Level::Low, Level::Medium, Level::High];

    /// The lowercase name used in files: `low`, `medium`, `high`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
        }
    }

    /// The capitalised name used in documents: `Low`, `Medium`, `High`.
    pub fn label(self) -> &'static str {
        match self {
            Level::Low => "Low",
            Level::Medium => "Medium",
            Level::High => "High",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Level {
    type Err = String;

    /// Parses a level in any case, ignoring surrounding spaces.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "low" => Ok(Level::Low),
            "medium" => Ok(Level::Medium),
            "high" => Ok(Level::High),
            _ => Err(format!("`{}` is not a level; use low, medium or high", s.trim())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_any_case_and_orders_low_to_high() {
        assert_eq!(" HIGH ".parse::<Level>(), Ok(Level::High));
        assert!("urgent".parse::<Level>().is_err());
        assert!(Level::Low < Level::Medium && Level::Medium < Level::High);
    }
}
