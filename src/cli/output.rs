//! Files the command line writes (`--output`, `--write-calls`, `--chart`, `--save-state`,
//! `--write`): checked before any work, written whole to a temporary file in the same
//! directory and renamed into place, so an interrupted command leaves the old file or the
//! complete new one, never half of it.

use std::io::Write;
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use super::Failure;

/// A file a command will write once it has its result.
#[derive(Debug, Clone)]
pub struct OutputFile {
    /// The flag that named it, for messages.
    flag: &'static str,
    /// Where the file goes: the path given, or the file a symbolic link there points at.
    target: PathBuf,
    /// What the user wrote, for messages.
    shown: PathBuf,
    /// Whether an existing file may be replaced (`--force`).
    force: bool,
}

impl OutputFile {
    /// Checks, before anything is simulated, that `path` can be written: not an existing
    /// file unless `force`, not a directory or device, not a symbolic link to nothing, in a
    /// directory where a file can be created. A link to an existing file stands for that
    /// file (which is replaced, the link kept).
    pub fn check(flag: &'static str, path: &Path, force: bool) -> Result<OutputFile, Failure> {
        let shown = path.to_path_buf();
        let usage = |why: String| Failure::Usage(format!("{flag} {}: {why}", shown.display()));
        let target = match std::fs::symlink_metadata(path) {
            Ok(meta) if meta.file_type().is_symlink() => match std::fs::canonicalize(path) {
                Ok(resolved) => resolved,
                Err(_) => {
                    return Err(usage(
                        "is a symbolic link to a file that does not exist; callsim does not follow it (remove the link or choose another name)"
                            .into(),
                    ))
                }
            },
            _ => path.to_path_buf(),
        };
        match std::fs::metadata(&target) {
            Ok(meta) if !meta.is_file() => return Err(usage(
                "exists and is not a regular file (a directory or a device); choose a file name"
                    .into(),
            )),
            Ok(_) if !force => {
                return Err(usage(
                    "exists; add --force to replace it, or choose another file".into(),
                ))
            }
            _ => {}
        }
        let file = OutputFile {
            flag,
            target,
            shown,
            force,
        };
        // Find out now, not after an hour of simulation, that the directory is not writable.
        file.temporary()?;
        Ok(file)
    }

    /// As [`OutputFile::check`], for an optional path.
    pub fn check_optional(
        flag: &'static str,
        path: Option<&PathBuf>,
        force: bool,
    ) -> Result<Option<OutputFile>, Failure> {
        path.map(|p| OutputFile::check(flag, p, force)).transpose()
    }

    /// The path as the user gave it.
    pub fn path(&self) -> &Path {
        &self.shown
    }

    /// A new temporary file beside the target (removed when dropped unless committed).
    fn temporary(&self) -> Result<NamedTempFile, Failure> {
        let directory = match self.target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let name = self
            .target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let prefix = format!(".{name}.");
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(".partial");
        // A temporary file is private (0600); the result gets the permissions of the file
        // it replaces, or those of a new file (0666 less the umask).
        #[cfg(unix)]
        let permissions = match std::fs::metadata(&self.target) {
            Ok(meta) => meta.permissions(),
            Err(_) => std::os::unix::fs::PermissionsExt::from_mode(0o666),
        };
        #[cfg(unix)]
        builder.permissions(permissions);
        builder.tempfile_in(directory).map_err(|e| {
            Failure::Usage(format!(
                "{} {}: cannot create a file in {}: {e}",
                self.flag,
                self.shown.display(),
                directory.display()
            ))
        })
    }

    /// Starts writing: what is written goes to a temporary file until [`Pending::commit`].
    pub fn create(&self) -> Result<Pending, Failure> {
        Ok(Pending {
            temp: self.temporary()?,
            file: self.clone(),
        })
    }

    /// Writes `contents` whole, then puts it in place.
    pub fn write(&self, contents: &[u8]) -> Result<(), Failure> {
        let mut pending = self.create()?;
        pending
            .writer()
            .write_all(contents)
            .map_err(|e| pending.file.failed(e))?;
        pending.commit()
    }

    fn failed(&self, e: impl std::fmt::Display) -> Failure {
        Failure::Other(format!(
            "{}: cannot write {}: {e}",
            self.flag,
            self.shown.display()
        ))
    }
}

/// A file being written: a temporary file that becomes the target on [`Pending::commit`]
/// and disappears if dropped before.
pub struct Pending {
    temp: NamedTempFile,
    file: OutputFile,
}

impl Pending {
    /// Where to write the contents.
    pub fn writer(&mut self) -> &mut std::fs::File {
        self.temp.as_file_mut()
    }

    /// Flushes the contents to disk and renames the file into place (replacing an existing
    /// file only with `--force`; one created meanwhile by someone else is not replaced).
    pub fn commit(self) -> Result<(), Failure> {
        let Pending { temp, file } = self;
        temp.as_file().sync_all().map_err(|e| file.failed(e))?;
        let persisted = if file.force {
            temp.persist(&file.target).map(drop)
        } else {
            temp.persist_noclobber(&file.target).map(drop)
        };
        persisted.map_err(|e| {
            if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                Failure::Usage(format!(
                    "{} {}: a file appeared there meanwhile; add --force to replace it",
                    file.flag,
                    file.shown.display()
                ))
            } else {
                file.failed(e.error)
            }
        })
    }
}
