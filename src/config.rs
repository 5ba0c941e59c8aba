//! The run's configuration: `partnerdocs.toml` laid over the defaults built into the binary.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The default configuration, the same text as the shipped `partnerdocs.toml`.
pub const DEFAULT_CONFIG: &str = include_str!("../partnerdocs.toml");

/// A configuration that could not be read or does not make sense.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("failed to read configuration {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("failed to parse configuration {path}: {message}")]
    Parse { path: String, message: String },
    #[error("bad configuration {path}, key `{key}`: {message}")]
    Invalid { path: String, key: String, message: String },
}

/// Everything `partnerdocs.toml` can set.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Facts about the district that templates print.
    pub district: District,
    /// How input spreadsheets are found and read.
    pub intake: IntakeConfig,
    /// The Partnership Rubric: criteria, thresholds, weights, method and floors.
    pub rubric: crate::rubric::RubricConfig,
    /// What each intensity level requires.
    pub routing: crate::rubric::RoutingConfig,
    /// The Word templates filled for each partnership.
    pub templates: TemplatesConfig,
    /// The Decision-Making Matrix rows used when the intake has none for a partnership.
    pub decision_matrix: DecisionMatrixConfig,
    /// How PDFs are made.
    pub pdf: PdfConfig,
    /// The Board of Education's meeting calendar.
    pub board: BoardConfig,
    /// Where this configuration came from, for messages.
    #[serde(skip)]
    pub origin: String,
}

/// The Word templates filled for each partnership, by file name in the templates folder.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplatesConfig {
    pub moa: String,
    pub decision_matrix: String,
    /// The Board agenda attachment, filled once per meeting.
    pub board_attachment: String,
}

/// When the Board of Education meets, and how much notice its agenda needs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoardConfig {
    /// The meeting dates, in any order; TOML dates (`2027-01-14`) or ISO strings.
    #[serde(deserialize_with = "meeting_dates")]
    pub meetings: Vec<chrono::NaiveDate>,
    /// A partnership without a `board_meeting` goes to the first meeting at least this
    /// many days after the run date.
    pub lead_days: u32,
}

/// Reads meeting dates written as TOML dates or as `YYYY-MM-DD` strings, sorted.
fn meeting_dates<'de, D>(deserializer: D) -> Result<Vec<chrono::NaiveDate>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Written {
        Date(toml::value::Datetime),
        Text(String),
    }
    let written = Vec::<Written>::deserialize(deserializer)?;
    let mut dates = Vec::with_capacity(written.len());
    for date in written {
        let text = match date {
            Written::Date(date) if date.time.is_none() && date.offset.is_none() => {
                date.to_string()
            }
            Written::Date(date) => {
                return Err(serde::de::Error::custom(format!(
                    "`{date}` has a time of day; write the date alone, e.g. 2027-01-14"
                )))
            }
            Written::Text(text) => text,
        };
        let parsed =
            chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").map_err(|_| {
                serde::de::Error::custom(format!(
                "`{text}` is not a date; write meeting dates as YYYY-MM-DD, e.g. 2027-01-14"
            ))
            })?;
        dates.push(parsed);
    }
    dates.sort_unstable();
    dates.dedup();
    Ok(dates)
}

/// How PDFs are made: which engine, and what it may use.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PdfConfig {
    /// `native` (built in) or `libreoffice`; `--pdf-engine` overrides it.
    pub engine: PdfEngineKind,
    /// Extra font files (TrueType, OpenType) for the native engine, relative to the
    /// working folder.
    pub fonts: Vec<PathBuf>,
    /// LibreOffice workers converting at once.
    pub libreoffice_workers: usize,
    /// Seconds LibreOffice may spend on one document before its worker is restarted.
    pub libreoffice_timeout_seconds: u64,
}

/// Which program turns the filled Word documents into PDFs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum PdfEngineKind {
    /// Typesets inside partnerdocs: fast, no office suite needed.
    Native,
    /// Converts with LibreOffice, when installed: for templates the native engine cannot
    /// lay out.
    Libreoffice,
}

/// The default Decision-Making Matrix for each intensity level.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionMatrixConfig {
    pub low: Vec<DefaultDecision>,
    pub medium: Vec<DefaultDecision>,
    pub high: Vec<DefaultDecision>,
}

impl DecisionMatrixConfig {
    /// The default rows for a level.
    pub fn for_level(&self, level: crate::level::Level) -> &[DefaultDecision] {
        match level {
            crate::level::Level::Low => &self.low,
            crate::level::Level::Medium => &self.medium,
            crate::level::Level::High => &self.high,
        }
    }
}

/// One default row of a Decision-Making Matrix.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct DefaultDecision {
    pub decision: String,
    pub district_role: String,
    pub partner_role: String,
    #[serde(default)]
    pub notes: String,
}

/// Facts about the district that templates print.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct District {
    pub name: String,
    pub short_name: String,
    pub address: String,
    pub partnerships_office: String,
    pub partnerships_email: String,
    pub superintendent: String,
    /// How many schools the district runs; a District-wide request counts as this many.
    pub school_count: u32,
}

/// How input spreadsheets are found and read.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntakeConfig {
    /// Files bigger than this many megabytes are refused before they are read.
    pub max_file_mb: u64,
    /// Workbooks whose zip entries would expand past this many megabytes are refused.
    pub max_unzipped_mb: u64,
    /// How many rows from the top to search for the header row.
    pub header_search_rows: usize,
    /// The sheet holding one partnership per row; the first sheet when absent.
    pub sheet: String,
    /// The optional sheet holding Decision-Making Matrix rows.
    pub decisions_sheet: String,
    /// Extra header names per field, e.g. a long form question.
    #[serde(default)]
    pub aliases: BTreeMap<String, Vec<String>>,
}

impl Config {
    /// Loads the configuration for a run.
    ///
    /// An explicit path must exist; otherwise `partnerdocs.toml` in the working folder is
    /// used when present, and the built-in defaults when not. A file only needs the keys it
    /// changes: its tables are laid over the defaults key by key.
    pub fn load(explicit: Option<&Path>) -> Result<Config, ConfigError> {
        let implicit = Path::new("partnerdocs.toml");
        let path = match explicit {
            Some(path) => Some(path),
            None if implicit.is_file() => Some(implicit),
            None => None,
        };
        match path {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|source| ConfigError::Read { path: path.into(), source })?;
                Config::from_toml(&text, &path.display().to_string())
            }
            None => Config::from_toml("", "built-in defaults"),
        }
    }

    /// The built-in defaults alone.
    pub fn defaults() -> Result<Config, ConfigError> {
        Config::from_toml("", "built-in defaults")
    }

    /// Parses `text` laid over the defaults; `origin` names it in messages.
    pub fn from_toml(text: &str, origin: &str) -> Result<Config, ConfigError> {
        let parse = |text: &str, origin: &str| {
            text.parse::<toml::Table>().map_err(|err| ConfigError::Parse {
                path: origin.to_string(),
                message: err.to_string().trim_end().to_string(),
            })
        };
        let mut merged = parse(DEFAULT_CONFIG, "built-in defaults")?;
        merge_tables(&mut merged, parse(text, origin)?);

        let deserializer = toml::Value::Table(merged);
        let mut config: Config =
            serde_path_to_error::deserialize(deserializer).map_err(|err| {
                ConfigError::Invalid {
                    path: origin.to_string(),
                    key: err.path().to_string(),
                    message: err.inner().to_string(),
                }
            })?;
        config.origin = origin.to_string();
        config.validate()?;
        Ok(config)
    }

    /// Checks what the types alone cannot.
    fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |key: &str, message: &str| ConfigError::Invalid {
            path: self.origin.clone(),
            key: key.to_string(),
            message: message.to_string(),
        };
        if self.intake.max_file_mb == 0 {
            return Err(invalid("intake.max_file_mb", "must be at least 1"));
        }
        if self.intake.max_unzipped_mb == 0 {
            return Err(invalid("intake.max_unzipped_mb", "must be at least 1"));
        }
        if self.intake.header_search_rows == 0 {
            return Err(invalid("intake.header_search_rows", "must be at least 1"));
        }
        for field in self.intake.aliases.keys() {
            if crate::intake::Field::from_name(field).is_none() {
                let message = format!("`{field}` is not an intake field");
                return Err(invalid(&format!("intake.aliases.{field}"), &message));
            }
        }
        if self.pdf.libreoffice_workers == 0 {
            return Err(invalid("pdf.libreoffice_workers", "must be at least 1"));
        }
        if self.pdf.libreoffice_timeout_seconds == 0 {
            return Err(invalid("pdf.libreoffice_timeout_seconds", "must be at least 1"));
        }
        self.rubric.validate().map_err(|err| invalid(&err.key, &err.message))?;
        self.routing.validate().map_err(|err| invalid(&err.key, &err.message))?;
        Ok(())
    }
}

/// Lays `over` onto `base`: tables merge key by key, any other value replaces.
fn merge_tables(base: &mut toml::Table, over: toml::Table) {
    for (key, value) in over {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(inner)), toml::Value::Table(value)) => {
                merge_tables(inner, value)
            }
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_load() {
        let config = Config::defaults().unwrap();
        assert_eq!(config.intake.max_file_mb, 50);
        assert_eq!(config.intake.header_search_rows, 10);
    }

    #[test]
    fn a_file_overrides_only_what_it_names() {
        let config = Config::from_toml("[intake]\nmax_file_mb = 7\n", "test.toml").unwrap();
        assert_eq!(config.intake.max_file_mb, 7);
        assert_eq!(config.intake.max_unzipped_mb, 500);
        assert!(!config.district.name.is_empty());
    }

    #[test]
    fn unknown_keys_are_named() {
        let err =
            Config::from_toml("[intake]\nmax_file_md = 7\n", "test.toml").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("max_file_md"), "{text}");
        assert!(text.contains("test.toml"), "{text}");
    }

    #[test]
    fn meetings_are_dates_or_iso_strings_sorted() {
        let text = "[board]\nmeetings = [2027-02-11, \"2027-01-14\"]\nlead_days = 7\n";
        let config = Config::from_toml(text, "t.toml").unwrap();
        let dates: Vec<String> =
            config.board.meetings.iter().map(|d| d.to_string()).collect();
        assert_eq!(dates, ["2027-01-14", "2027-02-11"]);
        assert_eq!(config.board.lead_days, 7);
    }

    #[test]
    fn a_meeting_that_is_not_a_date_is_named() {
        let err = Config::from_toml("[board]\nmeetings = [\"Jan 14\"]\n", "t.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("board.meetings") && err.contains("Jan 14"), "{err}");
    }

    #[test]
    fn aliases_must_name_a_field() {
        let err = Config::from_toml("[intake.aliases]\npartner = [\"Org\"]\n", "t.toml")
            .unwrap_err();
        assert!(err.to_string().contains("intake.aliases.partner"), "{err}");
    }
}
