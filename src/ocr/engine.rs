//! The OCR engine: Tesseract 5 run as its own program (`tesseract … tsv`), one process per read. A
//! separate process is the isolation the decoders get from `catch_unwind`, and more: a crash, an abort
//! or a runaway read of the engine ends that process, never the desk, and a read past its deadline is
//! killed. One thread (`OMP_THREAD_LIMIT=1`) at nice 10, so it does not fight the camera and the QR
//! path for the two cores. The image goes in on stdin as PNG and nothing is written to disk.

use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// One word Tesseract read, with where it is and how sure it was.
#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    pub text: String,
    /// 0–100.
    pub conf: f32,
    pub left: u32,
    pub top: u32,
    pub width: u32,
    pub height: u32,
    /// (block, paragraph, line) numbers: the words of one line share them.
    pub line: (u32, u32, u32),
}

/// How to read one image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Params {
    /// Tesseract's page segmentation mode: 4 (one column of lines), 6 (a block), 7 (one line), 11 (sparse).
    pub psm: u8,
    /// Only these characters (e.g. digits for a date or a number), or any.
    pub whitelist: Option<&'static str>,
    /// Vietnamese (names, addresses) or English (the code alphabet, digits).
    pub vietnamese: bool,
}

/// Why the engine gave nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineError {
    /// `tesseract` is not installed, or has no Vietnamese data.
    Missing { detail: String },
    /// It ran past its deadline and was stopped.
    TimedOut,
    /// It failed on this image (crashed, or said why).
    Failed { detail: String },
}

impl EngineError {
    /// What the receptionist or the clinic's IT person is told, in Vietnamese and English.
    pub fn message(&self) -> (String, String) {
        match self {
            EngineError::Missing { detail } => (
                format!(
                    "Chưa cài chương trình đọc chữ Tesseract (gói tesseract-ocr và tesseract-ocr-vie); hãy nhờ bộ phận IT cài đặt. Quét mã QR và nhập số vẫn dùng được. ({detail})"
                ),
                format!(
                    "The Tesseract text reader is not installed (packages tesseract-ocr and tesseract-ocr-vie); ask IT to install it. QR scans and typed numbers still work. ({detail})"
                ),
            ),
            EngineError::TimedOut => (
                "Đọc chữ quá lâu nên đã dừng; hãy giữ thẻ yên, gần camera hơn và thử lại.".into(),
                "Reading the text took too long and was stopped; hold the card still, closer, and try again."
                    .into(),
            ),
            EngineError::Failed { detail } => (
                format!("Không đọc được chữ trên ảnh này ({detail}); hãy thử lại hoặc nhập số thẻ."),
                format!(
                    "The text of this image could not be read ({detail}); try again or type the card number."
                ),
            ),
        }
    }
}

/// The Tesseract program.
#[derive(Debug, Clone)]
pub struct Engine {
    program: String,
    /// `nice`, to run the engine at a lower priority.
    nice: Option<std::path::PathBuf>,
    /// Longest one read may take.
    pub deadline: Duration,
}

impl Engine {
    /// The `tesseract` on the PATH (or `TIEPDON_TESSERACT`), checked to run and to have Vietnamese.
    pub fn find() -> Result<Engine, EngineError> {
        let program = std::env::var("TIEPDON_TESSERACT").unwrap_or_else(|_| "tesseract".into());
        let out = Command::new(&program)
            .arg("--list-langs")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| EngineError::Missing { detail: format!("{program}: {e}") })?;
        let langs = String::from_utf8_lossy(&out.stdout);
        if !langs.lines().any(|l| l.trim() == "vie") {
            return Err(EngineError::Missing { detail: format!("{program}: no 'vie' language data") });
        }
        let nice =
            ["/usr/bin/nice", "/bin/nice"].into_iter().map(std::path::PathBuf::from).find(|p| p.is_file());
        Ok(Engine { program, nice, deadline: Duration::from_secs(8) })
    }

    /// Reads a grey image (`w`×`h`, one byte a pixel) and returns its words.
    pub fn words(&self, grey: &[u8], w: u32, h: u32, p: Params) -> Result<Vec<Word>, EngineError> {
        use image::ImageEncoder;
        let mut png = Vec::new();
        image::codecs::png::PngEncoder::new_with_quality(
            &mut png,
            image::codecs::png::CompressionType::Fast,
            image::codecs::png::FilterType::NoFilter,
        )
        .write_image(grey, w, h, image::ExtendedColorType::L8)
        .map_err(|e| EngineError::Failed { detail: e.to_string() })?;
        // At a lower priority (nice 10) where `nice` exists: the window and the QR path come first on
        // a two-core desk PC (BENCHMARKS.md "OCR").
        let mut cmd = match &self.nice {
            Some(nice) => {
                let mut c = Command::new(nice);
                c.args(["-n", "10"]).arg(&self.program);
                c
            }
            None => Command::new(&self.program),
        };
        cmd.args(["stdin", "stdout", "-l", if p.vietnamese { "vie" } else { "eng" }, "--psm"])
            .arg(p.psm.to_string())
            .args(["--dpi", "300"]);
        if p.psm != 7 {
            // Sauvola's local threshold: a light-grey label on a light screen survives (Otsu's one
            // threshold for the page drops the VNeID labels under a webcam: BENCHMARKS.md "OCR").
            cmd.args(["-c", "thresholding_method=2"]);
        }
        if let Some(chars) = p.whitelist {
            cmd.args(["-c", &format!("tessedit_char_whitelist={chars}")]);
        }
        cmd.arg("tsv")
            .env("OMP_THREAD_LIMIT", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child =
            cmd.spawn().map_err(|e| EngineError::Missing { detail: format!("{}: {e}", self.program) })?;
        let mut stdin = child.stdin.take();
        let feeder = std::thread::spawn(move || {
            if let Some(s) = stdin.as_mut() {
                let _ = s.write_all(&png);
            }
        });
        let mut stdout = child.stdout.take();
        let reader = std::thread::spawn(move || {
            let mut out = Vec::new();
            if let Some(s) = stdout.as_mut() {
                let _ = s.read_to_end(&mut out);
            }
            out
        });
        let started = Instant::now();
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if started.elapsed() > self.deadline => {
                    let _ = child.kill();
                    let _ = child.wait();
                    let _ = feeder.join();
                    let _ = reader.join();
                    return Err(EngineError::TimedOut);
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(3)),
                Err(e) => return Err(EngineError::Failed { detail: e.to_string() }),
            }
        };
        let _ = feeder.join();
        let out = reader.join().unwrap_or_default();
        if !status.success() {
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                let _ = e.read_to_string(&mut err);
            }
            let first = err.lines().find(|l| !l.trim().is_empty()).unwrap_or("").trim().to_string();
            return Err(EngineError::Failed { detail: format!("{status}: {first}") });
        }
        Ok(parse_tsv(&String::from_utf8_lossy(&out)))
    }
}

/// Tesseract's TSV: level, page, block, par, line, word, left, top, width, height, conf, text. Only
/// the word rows (level 5) with text are kept.
pub fn parse_tsv(tsv: &str) -> Vec<Word> {
    let mut words = Vec::new();
    for row in tsv.lines().skip(1) {
        let cols: Vec<&str> = row.splitn(12, '\t').collect();
        if cols.len() < 12 || cols[0] != "5" {
            continue;
        }
        let n = |i: usize| cols[i].trim().parse::<u32>().unwrap_or(0);
        let text = cols[11].trim();
        if text.is_empty() {
            continue;
        }
        words.push(Word {
            text: text.to_string(),
            conf: cols[10].trim().parse::<f32>().unwrap_or(0.0).clamp(0.0, 100.0),
            left: n(6),
            top: n(7),
            width: n(8),
            height: n(9),
            line: (n(2), n(3), n(4)),
        });
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tsv_gives_words_with_their_line_and_confidence() {
        let tsv = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n\
                   1\t1\t0\t0\t0\t0\t0\t0\t100\t50\t-1\t\n\
                   5\t1\t1\t1\t1\t1\t10\t20\t30\t12\t96.5\tMã\n\
                   5\t1\t1\t1\t1\t2\t45\t20\t30\t12\t91\tsố:\n\
                   5\t1\t1\t1\t2\t1\t10\t40\t80\t12\t-1\t \n\
                   5\t1\t1\t1\t2\t2\t10\t40\t80\t12\t40\tGD479\n\
                   5\tbroken";
        let w = parse_tsv(tsv);
        assert_eq!(w.len(), 3);
        assert_eq!((w[0].text.as_str(), w[0].conf, w[0].line), ("Mã", 96.5, (1, 1, 1)));
        assert_eq!((w[2].text.as_str(), w[2].line, w[2].left), ("GD479", (1, 1, 2), 10));
    }
}
