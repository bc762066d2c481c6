//! Reading input files safely: only regular files, and never more than a stated size, so a
//! device (`/dev/zero`), a FIFO or a runaway file ends in a prompt error, not in a hang or in
//! gigabytes of memory.

use std::fmt;
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// Largest scenario file read: a thousand times the largest real scenario.
pub const MAX_SCENARIO_BYTES: u64 = 16 << 20;
/// Largest state file (`intraday --state`) read.
pub const MAX_STATE_BYTES: u64 = 16 << 20;
/// Default largest trace read (about 15 million calls of a `--write-calls` log); see
/// [`set_max_trace_bytes`].
pub const DEFAULT_MAX_TRACE_BYTES: u64 = 1 << 30;

static MAX_TRACE_BYTES: AtomicU64 = AtomicU64::new(DEFAULT_MAX_TRACE_BYTES);

/// Changes the largest trace this process reads (the command line's `--max-trace-mb`).
pub fn set_max_trace_bytes(bytes: u64) {
    MAX_TRACE_BYTES.store(bytes, Ordering::Relaxed);
}

/// The largest trace this process reads.
pub fn max_trace_bytes() -> u64 {
    MAX_TRACE_BYTES.load(Ordering::Relaxed)
}

/// Why an input file was not read.
#[derive(Debug)]
pub enum InputError {
    /// It could not be opened or read.
    Io(std::io::Error),
    /// It is not a regular file (a directory, device, FIFO or socket).
    NotRegular(&'static str),
    /// It is longer than the limit (bytes).
    TooLarge(u64),
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputError::Io(e) => write!(f, "{e}"),
            InputError::NotRegular(kind) => write!(f, "it is {kind}, not a regular file"),
            InputError::TooLarge(limit) => {
                write!(f, "it is larger than the limit of {}", megabytes(*limit))
            }
        }
    }
}

/// `bytes` for people: `16 MiB`.
pub fn megabytes(bytes: u64) -> String {
    if bytes % (1 << 20) == 0 {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{bytes} bytes")
    }
}

/// Opens `path` (following symbolic links) if it is a regular file, for reading at most
/// `limit` bytes: reads past the limit fail with [`InputError::TooLarge`]. Devices, FIFOs
/// and sockets are refused before they are opened (opening a FIFO would wait for a writer).
pub fn open_regular(path: &Path, limit: u64) -> Result<Capped<std::fs::File>, InputError> {
    let metadata = std::fs::metadata(path).map_err(InputError::Io)?;
    check_regular(&metadata)?;
    if metadata.len() > limit {
        return Err(InputError::TooLarge(limit));
    }
    let file = std::fs::File::open(path).map_err(InputError::Io)?;
    // The path may have changed between the two looks: check what was opened.
    check_regular(&file.metadata().map_err(InputError::Io)?)?;
    Ok(Capped {
        inner: file.take(limit + 1),
    })
}

/// The whole of the regular file `path`, at most `limit` bytes.
pub fn read_regular(path: &Path, limit: u64) -> Result<Vec<u8>, InputError> {
    let mut bytes = Vec::new();
    open_regular(path, limit)?
        .read_to_end(&mut bytes)
        .map_err(|e| {
            if is_too_large(&e) {
                InputError::TooLarge(limit)
            } else {
                InputError::Io(e)
            }
        })?;
    Ok(bytes)
}

fn check_regular(metadata: &std::fs::Metadata) -> Result<(), InputError> {
    let kind = metadata.file_type();
    if kind.is_file() {
        return Ok(());
    }
    if kind.is_dir() {
        return Err(InputError::NotRegular("a directory"));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return Err(InputError::NotRegular("a FIFO (named pipe)"));
        }
        if kind.is_char_device() || kind.is_block_device() {
            return Err(InputError::NotRegular("a device"));
        }
        if kind.is_socket() {
            return Err(InputError::NotRegular("a socket"));
        }
    }
    Err(InputError::NotRegular("not a file"))
}

/// A reader that fails once more than its limit has been read (the file grew).
pub struct Capped<R> {
    /// Reads at most the limit + 1 bytes: the extra byte tells that the limit was passed.
    inner: std::io::Take<R>,
}

/// The error a [`Capped`] reader returns past its limit.
#[derive(Debug)]
struct TooLarge;

impl fmt::Display for TooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the file is larger than the limit")
    }
}

impl std::error::Error for TooLarge {}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if self.inner.limit() == 0 && n > 0 {
            // The byte beyond the limit was read.
            return Err(std::io::Error::other(TooLarge));
        }
        Ok(n)
    }
}

/// Whether `error` (from a [`Capped`] reader, perhaps wrapped) says the limit was passed.
pub fn is_too_large(error: &std::io::Error) -> bool {
    error
        .get_ref()
        .is_some_and(|e| e.downcast_ref::<TooLarge>().is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_and_directories_are_refused_and_sizes_capped() {
        let dir = std::env::temp_dir();
        assert!(matches!(
            read_regular(&dir, 10),
            Err(InputError::NotRegular("a directory"))
        ));
        #[cfg(unix)]
        assert!(matches!(
            read_regular(Path::new("/dev/zero"), 10),
            Err(InputError::NotRegular("a device"))
        ));
        let path = dir.join(format!("callsim-input-test-{}", std::process::id()));
        std::fs::write(&path, b"0123456789").unwrap();
        assert_eq!(read_regular(&path, 10).unwrap(), b"0123456789");
        assert!(matches!(
            read_regular(&path, 9),
            Err(InputError::TooLarge(9))
        ));
        std::fs::remove_file(&path).unwrap();
    }
}
