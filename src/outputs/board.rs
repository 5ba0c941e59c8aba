//! `board/<YYYY-MM-DD>/` and `board.csv`: what goes to each Board of Education meeting.
//!
//! Each meeting gets its agenda attachment (filled from the attachment template, as Word
//! and PDF) and `packet.pdf`: the attachment followed by every action item's MOA and
//! Decision-Making Matrix, as the agreements stage left them on disk (a PDF signed in a
//! reader goes in signed).

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Mutex, PoisonError};

use chrono::NaiveDate;
use rayon::prelude::*;
use tracing::debug;

use crate::board::agenda::agenda_data;
use crate::board::packet::{build_packet, PacketDocument, PacketItem, PacketOptions};
use crate::board::schedule::{Meeting, Schedule};
use crate::config::Config;
use crate::docx::Template;
use crate::intake::Partnership;
use crate::outputs::agreements::AgreementFiles;
use crate::outputs::manifest::{FileRecord, Manifest};
use crate::outputs::writer::{OutputWriter, WriteOutcome};
use crate::pdf::worker::{self, Pending};
use crate::pdf::{DocumentInfo, PdfMaker, Rendered};
use crate::rubric::Assessment;

/// The folder under outputs/ holding one folder per meeting.
pub const BOARD_FOLDER: &str = "board";

/// The file names inside a meeting's folder.
pub const ATTACHMENT_DOCX: &str = "board-attachment.docx";
pub const ATTACHMENT_PDF: &str = "board-attachment.pdf";
pub const PACKET_PDF: &str = "packet.pdf";

/// The manifest kinds of the Board's files; a kind starting `board_` belongs to this stage.
const KIND_DOCX: &str = "board_attachment_docx";
const KIND_PDF: &str = "board_attachment_pdf";
const KIND_PACKET: &str = "board_packet";
const KIND_CSV: &str = "board_csv";

/// Everything the Board stage needs besides the schedule and the partnerships.
pub struct BoardJob<'a> {
    pub writer: &'a OutputWriter,
    /// The last run's manifest: its Board files this run no longer makes are removed.
    pub previous: &'a Manifest,
    /// The attachment template; `None` when the templates folder has none.
    pub template: Option<&'a Template>,
    /// The attachment template's file name, for messages.
    pub template_name: &'a str,
    pub config: &'a Config,
    pub as_of: NaiveDate,
    /// Makes the attachment PDFs; `None` with `--no-pdf`, which also skips the packets.
    pub pdf: Option<&'a PdfMaker>,
}

/// Attachment PDFs rendered in child processes while the agreements are made, each with
/// the Word file it was made from.
#[derive(Default)]
pub struct EarlyAttachments {
    pending: Mutex<HashMap<NaiveDate, (Vec<u8>, Pending)>>,
}

impl EarlyAttachments {
    /// Begins rendering each meeting's attachment in a child process, when the built-in
    /// engine makes the PDFs: a long attachment is then typeset on a core the
    /// agreements leave free, instead of after them on one core.
    pub fn start(
        job: &BoardJob<'_>,
        schedule: &Schedule,
        rows: &[(&Partnership, &Assessment)],
    ) -> EarlyAttachments {
        let (Some(template), Some(PdfMaker::Native(_))) = (job.template, job.pdf) else {
            return EarlyAttachments::default();
        };
        let Some(queue) = worker::Queue::new() else {
            return EarlyAttachments::default();
        };
        // The longest first: it decides when the last one is done.
        let mut meetings: Vec<_> = schedule.meetings.iter().collect();
        meetings.sort_by_key(|(_, m)| {
            std::cmp::Reverse(m.approval.len() + m.information.len())
        });
        let mut pending = HashMap::new();
        for (date, meeting) in meetings {
            let data = agenda_data(*date, meeting, rows, job.config, job.as_of);
            let Ok(docx) = template.render(&data) else {
                continue; // the Board stage reports it
            };
            let render = queue.add(
                docx.clone(),
                &attachment_info(job, *date),
                &job.config.pdf.fonts,
            );
            pending.insert(*date, (docx, render));
        }
        EarlyAttachments { pending: Mutex::new(pending) }
    }

    /// The Word file of the meeting's attachment, when it was filled early.
    fn filled(&self, date: NaiveDate) -> Option<Vec<u8>> {
        let pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        pending.get(&date).map(|(docx, _)| docx.clone())
    }

    /// The early PDF of the meeting's attachment, if one was begun from this very Word
    /// file and came back; `None` means render it now.
    fn take(&self, date: NaiveDate, docx: &[u8]) -> Option<Rendered> {
        let taken =
            self.pending.lock().unwrap_or_else(PoisonError::into_inner).remove(&date);
        let (early_docx, render) = taken?;
        match render.wait() {
            Ok(rendered) if early_docx == docx => {
                debug!(meeting = %date, "the attachment was typeset beside the agreements");
                Some(rendered)
            }
            Ok(_) => None, // changed by hand since
            Err(message) => {
                debug!(meeting = %date, message, "the attachment is typeset again here");
                None
            }
        }
    }
}

/// The document properties of a meeting's attachment PDF.
fn attachment_info(job: &BoardJob<'_>, date: NaiveDate) -> DocumentInfo {
    let long_date = date.format("%B %-d, %Y").to_string();
    DocumentInfo {
        title: format!("Board agenda attachment: community partnerships, {long_date}"),
        subject: format!("Board of Education meeting {date}"),
        author: job.config.district.name.clone(),
        as_of: job.as_of,
        ident: format!("{BOARD_FOLDER}/{date}/{ATTACHMENT_PDF}"),
    }
}

/// What one meeting's files came to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MeetingFiles {
    pub date: NaiveDate,
    pub approval: usize,
    pub information: usize,
    /// The packet's pages; `None` when no packet was made.
    pub packet_pages: Option<usize>,
}

/// What writing the Board's files gave.
#[derive(Debug, Default)]
pub struct BoardWritten {
    pub outcomes: Vec<WriteOutcome>,
    /// What could not be made, naming the meeting and the file; the rest was written.
    pub failures: Vec<String>,
    /// What was made without something: a missing PDF, a PDF warning.
    pub warnings: Vec<String>,
    pub meetings: Vec<MeetingFiles>,
    pub unscheduled: usize,
    /// Files of meetings nobody goes to any more, removed.
    pub removed: Vec<String>,
    /// Earlier files kept because staff edited them, though no meeting makes them now.
    pub kept: Vec<FileRecord>,
}

/// Writes every meeting's attachment and packet, then `board.csv`.
pub fn write_board(
    job: &BoardJob<'_>,
    early: &EarlyAttachments,
    schedule: &Schedule,
    rows: &[(&Partnership, &Assessment)],
    files: &[Option<AgreementFiles>],
) -> BoardWritten {
    let meetings: Vec<(&NaiveDate, &Meeting)> = schedule.meetings.iter().collect();
    let made: Vec<MeetingWritten> = meetings
        .par_iter()
        .map(|(date, meeting)| write_meeting(job, early, **date, meeting, rows, files))
        .collect();

    let mut written =
        BoardWritten { unscheduled: schedule.unscheduled.len(), ..Default::default() };
    let mut packet_pages = HashMap::new();
    for ((date, meeting), meeting_written) in meetings.iter().zip(made) {
        written.outcomes.extend(meeting_written.outcomes);
        written.failures.extend(meeting_written.failures);
        written.warnings.extend(meeting_written.warnings);
        packet_pages.extend(meeting_written.packet_pages);
        written.meetings.push(MeetingFiles {
            date: **date,
            approval: meeting.approval.len(),
            information: meeting.information.len(),
            packet_pages: meeting_written.packet_total,
        });
    }

    let csv = board_csv(schedule, rows, &packet_pages);
    match job.writer.write("board.csv", KIND_CSV, None, &csv) {
        Ok(outcome) => written.outcomes.push(outcome),
        Err(err) => written.failures.push(format!("board.csv: failed to write it: {err}")),
    }
    remove_stale(job, &mut written);
    written
}

/// One meeting's files and the packet page of each action item in it.
#[derive(Default)]
struct MeetingWritten {
    outcomes: Vec<WriteOutcome>,
    failures: Vec<String>,
    warnings: Vec<String>,
    /// The packet page where each row's documents start.
    packet_pages: HashMap<usize, usize>,
    packet_total: Option<usize>,
}

fn write_meeting(
    job: &BoardJob<'_>,
    early: &EarlyAttachments,
    date: NaiveDate,
    meeting: &Meeting,
    rows: &[(&Partnership, &Assessment)],
    files: &[Option<AgreementFiles>],
) -> MeetingWritten {
    let mut written = MeetingWritten::default();
    let folder = format!("{BOARD_FOLDER}/{date}");
    let Some(template) = job.template else {
        written.failures.push(format!(
            "{folder}: no agenda attachment was made: the templates folder has no {}\n\
             hint: copy {} from the shipped templates folder, or name your own under \
             [templates] board_attachment in partnerdocs.toml",
            job.template_name, job.template_name
        ));
        return written;
    };

    let docx_path = format!("{folder}/{ATTACHMENT_DOCX}");
    let filled = early.filled(date).map(Ok).unwrap_or_else(|| {
        template.render(&agenda_data(date, meeting, rows, job.config, job.as_of))
    });
    let docx = match filled {
        Ok(docx) => docx,
        Err(message) => {
            written.failures.push(format!("{docx_path}: {message}"));
            return written;
        }
    };
    let Some(docx_outcome) = write_file(job, &docx_path, KIND_DOCX, &docx, &mut written)
    else {
        return written;
    };
    let Some(maker) = job.pdf else {
        return written;
    };

    // A Word file staff changed by hand is what goes to the Board: its PDF is made from it.
    let docx = match standing(job, &docx_path, &docx_outcome, docx) {
        Ok(bytes) => bytes,
        Err(message) => {
            written.failures.push(message);
            return written;
        }
    };
    let long_date = date.format("%B %-d, %Y").to_string();
    let pdf_path = format!("{folder}/{ATTACHMENT_PDF}");
    let rendered = match early.take(date, &docx) {
        Some(rendered) => Ok(rendered),
        None => maker.render(&docx, &attachment_info(job, date)),
    };
    let rendered = match rendered {
        Ok(rendered) => rendered,
        Err(err) => {
            written.failures.push(format!("{pdf_path}: {err}"));
            return written;
        }
    };
    written.warnings.extend(rendered.warnings.iter().map(|w| format!("{pdf_path}: {w}")));
    let Some(pdf_outcome) =
        write_file(job, &pdf_path, KIND_PDF, &rendered.pdf, &mut written)
    else {
        return written;
    };
    let attachment_pdf = match standing(job, &pdf_path, &pdf_outcome, rendered.pdf) {
        Ok(bytes) => bytes,
        Err(message) => {
            written.failures.push(message);
            return written;
        }
    };

    let (items, item_rows) = packet_items(job, meeting, rows, files, &mut written.warnings);
    let attachment =
        PacketDocument { label: "Agenda attachment".into(), pdf: attachment_pdf };
    let district = &job.config.district;
    let options = PacketOptions {
        title: format!(
            "{} Board of Education, {long_date}: community partnerships",
            district.short_name
        ),
        author: district.name.clone(),
        as_of: job.as_of,
        footer: format!("{} Board of Education · {long_date}", district.short_name),
    };
    let packet_path = format!("{folder}/{PACKET_PDF}");
    let packet = match build_packet(&attachment, &items, &options) {
        Ok(packet) => packet,
        Err(err) => {
            written.failures.push(format!("{packet_path}: {err}"));
            return written;
        }
    };
    // `starts` lists the attachment, then each item's documents in order.
    let mut starts = packet.starts.iter().skip(1).map(|(_, page)| *page);
    for (item, row) in items.iter().zip(item_rows) {
        let first = starts.next();
        for _ in 1..item.documents.len() {
            starts.next();
        }
        if let Some(page) = first {
            written.packet_pages.insert(row, page);
        }
    }
    written.packet_total = Some(packet.pages);
    write_file(job, &packet_path, KIND_PACKET, &packet.pdf, &mut written);
    debug!(meeting = %date, pages = packet.pages, "packet written");
    written
}

/// Writes one file of the meeting, noting its outcome, or its failure and `None`.
fn write_file(
    job: &BoardJob<'_>,
    path: &str,
    kind: &str,
    bytes: &[u8],
    written: &mut MeetingWritten,
) -> Option<WriteOutcome> {
    match job.writer.write(path, kind, None, bytes) {
        Ok(outcome) => {
            written.outcomes.push(outcome.clone());
            Some(outcome)
        }
        Err(err) => {
            written.failures.push(format!("{path}: failed to write it: {err}"));
            None
        }
    }
}

/// What stands at `path` after writing `made` there: the file on disk when staff had
/// changed it by hand and it was kept, else `made`.
fn standing(
    job: &BoardJob<'_>,
    path: &str,
    outcome: &WriteOutcome,
    made: Vec<u8>,
) -> Result<Vec<u8>, String> {
    match outcome {
        WriteOutcome::KeptEdited(_) => read(job, path),
        _ => Ok(made),
    }
}

fn read(job: &BoardJob<'_>, path: &str) -> Result<Vec<u8>, String> {
    std::fs::read(job.writer.path(path))
        .map_err(|err| format!("failed to read {path}: {err}"))
}

/// Each action item with the PDFs the agreements stage left, and its row.
///
/// An item whose PDFs are missing (made with `--no-pdf` before, or failed) is left out
/// of the packet with a warning; the attachment still lists it.
fn packet_items(
    job: &BoardJob<'_>,
    meeting: &Meeting,
    rows: &[(&Partnership, &Assessment)],
    files: &[Option<AgreementFiles>],
    warnings: &mut Vec<String>,
) -> (Vec<PacketItem>, Vec<usize>) {
    let mut items = Vec::new();
    let mut item_rows = Vec::new();
    for (place, &row) in meeting.approval.iter().enumerate() {
        let Some((partnership, _)) = rows.get(row) else {
            continue;
        };
        let heading = format!(
            "A-{} {} {}: {}",
            place + 1,
            partnership.partnership_id,
            partnership.partner_name,
            partnership.program_name
        );
        let agreement = files.get(row).and_then(Option::as_ref);
        let wanted = [
            ("Memorandum of Agreement", agreement.map(|f| f.moa_pdf.as_str())),
            ("Decision-Making Matrix", agreement.map(|f| f.matrix_pdf.as_str())),
        ];
        let mut documents = Vec::new();
        for (label, path) in wanted {
            match path.filter(|path| !path.is_empty()).map(|path| read(job, path)) {
                Some(Ok(pdf)) => {
                    documents.push(PacketDocument { label: label.into(), pdf })
                }
                Some(Err(message)) => warnings.push(message),
                None => warnings.push(format!(
                    "{}: no PDF of its {label}; the packet goes without it",
                    partnership.partnership_id
                )),
            }
        }
        if !documents.is_empty() {
            items.push(PacketItem { heading, documents });
            item_rows.push(row);
        }
    }
    (items, item_rows)
}

/// `board.csv`: every partnership going to the Board, meeting by meeting in agenda
/// order, then the unscheduled ones.
fn board_csv(
    schedule: &Schedule,
    rows: &[(&Partnership, &Assessment)],
    packet_pages: &HashMap<usize, usize>,
) -> Vec<u8> {
    let mut lines: Vec<[String; 4]> = Vec::new();
    let id = |row: usize| rows.get(row).map(|(p, _)| p.partnership_id.clone());
    for (date, meeting) in &schedule.meetings {
        for item in meeting.items() {
            let page = packet_pages.get(&item.row).map(usize::to_string);
            if let Some(id) = id(item.row) {
                let section = item.section.as_str().to_string();
                lines.push([date.to_string(), id, section, page.unwrap_or_default()]);
            }
        }
    }
    for item in &schedule.unscheduled {
        if let Some(id) = id(item.row) {
            lines.push([String::new(), id, item.section.as_str().into(), String::new()]);
        }
    }

    let mut out = Vec::new();
    {
        let mut writer = csv::Writer::from_writer(&mut out);
        let header = ["meeting_date", "partnership_id", "section", "packet_page"];
        // Writing to memory cannot fail; a failure would leave the table short.
        let _ = writer.write_record(header);
        for line in &lines {
            let _ = writer.write_record(line);
        }
        let _ = writer.flush();
    }
    out
}

/// Removes the last run's Board files that no meeting makes now (a meeting nobody goes
/// to any more), and their folders once empty. A file staff edited is kept.
fn remove_stale(job: &BoardJob<'_>, written: &mut BoardWritten) {
    let made: HashSet<&str> =
        written.outcomes.iter().map(|outcome| outcome.record().path.as_str()).collect();
    let stale: Vec<&FileRecord> = job
        .previous
        .files
        .iter()
        .filter(|f| f.kind.starts_with("board_") && !made.contains(f.path.as_str()))
        .collect();
    let mut folders = BTreeSet::new();
    for record in stale {
        match job.writer.check_unchanged(record) {
            Ok(Some(WriteOutcome::Unchanged(_))) => {
                let path = job.writer.path(&record.path);
                if std::fs::remove_file(&path).is_ok() {
                    written.removed.push(record.path.clone());
                }
            }
            Ok(None) => {}
            Ok(Some(kept)) => {
                written.warnings.push(format!(
                    "kept {}: no meeting makes it now, but it was changed by hand",
                    record.path
                ));
                written.kept.push(kept.record().clone());
            }
            Err(err) => {
                written.warnings.push(format!("failed to read {}: {err}", record.path))
            }
        }
        if let Some((folder, _)) = record.path.rsplit_once('/') {
            folders.insert(folder.to_string());
        }
    }
    for folder in &folders {
        // Only an empty folder goes; one holding anything else stays.
        let _ = std::fs::remove_dir(job.writer.path(folder));
    }
}

/// The run summary's lines about the Board.
pub fn summary_lines(written: &BoardWritten) -> Vec<String> {
    let mut lines: Vec<String> = written
        .meetings
        .iter()
        .map(|m| {
            let packet = match m.packet_pages {
                Some(pages) => format!(", packet of {pages} pages"),
                None => String::new(),
            };
            format!(
                "Board meeting {}: {} for approval, {} for information{packet}",
                m.date, m.approval, m.information
            )
        })
        .collect();
    if written.unscheduled > 0 {
        lines.push(format!(
            "Board: {} unscheduled (no board_meeting date and no meeting on the calendar \
             after the lead time); see board.csv, and add dates under [board] meetings \
             in partnerdocs.toml",
            written.unscheduled
        ));
    }
    lines
}
