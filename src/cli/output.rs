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
                // `/dev/stdout` on a pipe: a link to something that is no file at all.
                Err(_) if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) => {
                    return Err(usage(
                        "leads to a pipe or a device, not a file; callsim writes whole files \
                         only (without --output, a report goes to standard output)"
                            .into(),
                    ))
                }
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

    /// Refuses, before any work, two flags that name the same file: one result would
    /// silently replace the other, or be refused only once the work is done.
    pub fn distinct(files: &[Option<&OutputFile>]) -> Result<(), Failure> {
        let named: Vec<&OutputFile> = files.iter().flatten().copied().collect();
        for (i, later) in named.iter().enumerate() {
            if let Some(earlier) = named[..i].iter().find(|f| f.identity() == later.identity()) {
                return Err(Failure::Usage(format!(
                    "{} {}: is also the {} file; give each its own file name",
                    later.flag,
                    later.shown.display(),
                    earlier.flag
                )));
            }
        }
        Ok(())
    }

    /// Refuses, before any work, an output that is one of the files the command reads
    /// (`--force` or not): writing it would destroy the input it was made from.
    pub fn not_an_input<P: AsRef<Path>>(
        files: &[Option<&OutputFile>],
        inputs: &[P],
    ) -> Result<(), Failure> {
        let read: Vec<(PathBuf, &Path)> = inputs
            .iter()
            .filter_map(|p| Some((std::fs::canonicalize(p).ok()?, p.as_ref())))
            .collect();
        for file in files.iter().flatten() {
            let Ok(written) = std::fs::canonicalize(&file.target) else {
                continue; // a file that does not exist yet is no input
            };
            if let Some((_, input)) = read.iter().find(|(r, _)| *r == written) {
                return Err(Failure::Usage(format!(
                    "{} {}: is the input {}; writing it would destroy what it was made from, so give the output its own file name",
                    file.flag,
                    file.shown.display(),
                    input.display()
                )));
            }
        }
        Ok(())
    }

    /// The target as an absolute path through its directory's real location, so that
    /// `out.csv`, `./out.csv` and a link to it compare equal.
    fn identity(&self) -> PathBuf {
        let directory = match self.target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let directory = std::fs::canonicalize(directory).unwrap_or_else(|_| directory.into());
        match self.target.file_name() {
            Some(name) => directory.join(name),
            None => directory,
        }
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
        interrupts::watch();
        let temp = self.temporary()?;
        Ok(Pending {
            registration: Some(interrupts::Registration::new(temp.path())),
            temp,
            file: self.clone(),
        })
    }

    /// Writes `contents` whole, then puts it in place.
    pub fn write(&self, contents: &[u8]) -> Result<(), Failure> {
        let pending = self.create()?;
        pending.write_all(contents)
    }

    /// [`OutputFile::write`] for a small file written because of a stop (live's state on
    /// Ctrl-C or SIGTERM): a further stop signal meanwhile, as supervisors send in pairs,
    /// does not abandon it (it is still put in place whole, or not at all).
    pub fn write_through_interrupts(&self, contents: &[u8]) -> Result<(), Failure> {
        let pending = Pending {
            temp: self.temporary()?,
            file: self.clone(),
            registration: None,
        };
        pending.write_all(contents)
    }

    fn failed(&self, e: impl std::fmt::Display) -> Failure {
        Failure::Other(format!(
            "{}: cannot write {}: {e}",
            self.flag,
            self.shown.display()
        ))
    }
}

/// Refuses, before any work, to print a binary document (`what`, e.g. `--format xlsx`) to a
/// terminal, where it would be unreadable bytes: it needs `--output FILE` or a redirect.
pub fn refuse_binary_on_terminal(
    what: &str,
    example: &str,
    output: Option<&OutputFile>,
) -> Result<(), Failure> {
    use std::io::IsTerminal;
    binary_destination(
        what,
        example,
        output.is_some(),
        std::io::stdout().is_terminal(),
    )
}

/// [`refuse_binary_on_terminal`]'s rule: a file, or a stdout that is not a terminal.
fn binary_destination(
    what: &str,
    example: &str,
    to_file: bool,
    stdout_is_terminal: bool,
) -> Result<(), Failure> {
    if to_file || !stdout_is_terminal {
        return Ok(());
    }
    Err(Failure::Usage(format!(
        "{what} writes a binary file, which a terminal cannot show\n  help: name the file with `-o {example}`, or redirect: `> {example}`"
    )))
}

/// A file being written: a temporary file that becomes the target on [`Pending::commit`]
/// and disappears if dropped before.
pub struct Pending {
    temp: NamedTempFile,
    file: OutputFile,
    /// Removes the temporary file if the process is interrupted meanwhile (`None`: the
    /// write goes on through an interruption).
    registration: Option<interrupts::Registration>,
}

impl Pending {
    fn write_all(mut self, contents: &[u8]) -> Result<(), Failure> {
        self.writer()
            .write_all(contents)
            .map_err(|e| self.file.failed(e))?;
        self.commit()
    }

    /// Where to write the contents.
    pub fn writer(&mut self) -> &mut std::fs::File {
        self.temp.as_file_mut()
    }

    /// Flushes the contents to disk and renames the file into place (replacing an existing
    /// file only with `--force`; one created meanwhile by someone else is not replaced).
    pub fn commit(self) -> Result<(), Failure> {
        let Pending {
            temp,
            file,
            registration,
        } = self;
        temp.as_file().sync_all().map_err(|e| file.failed(e))?;
        let persisted = if file.force {
            temp.persist(&file.target).map(drop)
        } else {
            temp.persist_noclobber(&file.target).map(drop)
        };
        // Only now, once the file is in place, may an interruption stop looking for it.
        drop(registration);
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

/// Ctrl-C and SIGTERM while a file is being written: remove its temporary file, then end
/// as the signal would have (exit status 128 + signal), so nothing half-written is left.
/// Signals that come when no file is being written are left to the command.
mod interrupts {
    use std::path::{Path, PathBuf};
    use std::sync::{Mutex, Once};

    /// Temporary files being written now.
    static IN_PROGRESS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

    /// Listens for the signals from the first file written on (before that, an interruption
    /// has nothing to clean up and ends the process as usual).
    pub fn watch() {
        static WATCHING: Once = Once::new();
        WATCHING.call_once(|| {
            #[cfg(unix)]
            if let Err(e) = listen() {
                eprintln!("warning: cannot watch for Ctrl-C ({e}); an interrupted write may leave a .partial file");
            }
        });
    }

    #[cfg(unix)]
    fn listen() -> std::io::Result<()> {
        use tokio::signal::unix::{signal, SignalKind};
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        // Registered here, before any file is written, so no signal slips through.
        let (mut interrupt, mut terminate) = {
            let _context = runtime.enter();
            (
                signal(SignalKind::interrupt())?,
                signal(SignalKind::terminate())?,
            )
        };
        std::thread::spawn(move || loop {
            let status = runtime.block_on(async {
                tokio::select! {
                    _ = interrupt.recv() => 130,
                    _ = terminate.recv() => 143,
                }
            });
            let files = IN_PROGRESS.lock().unwrap_or_else(|e| e.into_inner());
            // With nothing being written, the signal is for whoever else listens (`live`
            // stops its day on Ctrl-C); a command that does not listen is about to finish.
            if !files.is_empty() {
                for path in files.iter() {
                    let _ = std::fs::remove_file(path);
                }
                eprintln!("callsim: interrupted; the files being written were not replaced");
                std::process::exit(status);
            }
        });
        Ok(())
    }

    /// A temporary file listed for removal on interruption while this lives.
    pub struct Registration(PathBuf);

    impl Registration {
        pub fn new(path: &Path) -> Registration {
            let mut files = IN_PROGRESS.lock().unwrap_or_else(|e| e.into_inner());
            files.push(path.to_path_buf());
            Registration(path.to_path_buf())
        }
    }

    impl Drop for Registration {
        fn drop(&mut self) {
            let mut files = IN_PROGRESS.lock().unwrap_or_else(|e| e.into_inner());
            files.retain(|p| p != &self.0);
        }
    }
}

/// The extensions that name a report format: a file named so holds that format only.
const FORMAT_EXTENSIONS: [&str; 5] = ["json", "html", "htm", "xlsx", "csv"];

/// `file` with its extension, lowercase, when that is one of `known`.
fn named_extension<'a>(
    file: Option<&'a OutputFile>,
    known: &[&str],
) -> Option<(&'a OutputFile, String)> {
    let file = file?;
    let ext = file.path().extension()?.to_str()?.to_ascii_lowercase();
    known.contains(&ext.as_str()).then_some((file, ext))
}

/// Refuses an output file whose extension names another format than the one asked for
/// (`-o day.xlsx` with the default tables, `-f json -o day.html`): the file would not open
/// as its name says. `format` is the format asked for; `offered` maps each extension the
/// command can write to the `--format` that writes it (several may suit one extension).
pub fn refuse_other_extension(
    format: &str,
    offered: &[(&str, &str)],
    output: Option<&OutputFile>,
) -> Result<(), Failure> {
    let Some((file, ext)) = named_extension(output, &FORMAT_EXTENSIONS) else {
        return Ok(());
    };
    if offered.iter().any(|&(e, f)| e == ext && f == format) {
        return Ok(());
    }
    let help = match offered.iter().find(|&&(e, _)| e == ext) {
        Some((_, wanted)) => {
            format!("add --format {wanted}, or name the file for --format {format}")
        }
        None => format!("this command writes no .{ext} file: name the file for --format {format}"),
    };
    Err(Failure::Usage(format!(
        "--output {}: the report is written as --format {format}, which a .{ext} file would not hold\n  help: {help}",
        file.path().display()
    )))
}

/// Extensions that name a kind of file a command may write: a file named so holds that
/// kind only.
const KIND_EXTENSIONS: [&str; 8] = ["json", "html", "htm", "xlsx", "csv", "svg", "toml", "txt"];

/// Refuses a file named by `flag` whose extension names another kind of file than the one
/// the command writes there: `writes` says what it holds ("a scenario (TOML)"), `suits`
/// the extensions that hold it. Other extensions, and none, are the user's choice.
pub fn refuse_misnamed(
    flag: &str,
    writes: &str,
    suits: &[&str],
    file: Option<&OutputFile>,
) -> Result<(), Failure> {
    let Some((file, ext)) = named_extension(file, &KIND_EXTENSIONS) else {
        return Ok(());
    };
    if suits.contains(&ext.as_str()) {
        return Ok(());
    }
    let names: Vec<String> = suits.iter().map(|e| format!(".{e}")).collect();
    Err(Failure::Usage(format!(
        "{flag} {}: {flag} is written as {writes}, which a .{ext} file would not hold\n  \
         help: name the file {}",
        file.path().display(),
        names.join(" or ")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_binary_file_goes_to_a_file_or_a_redirect_never_to_a_terminal() {
        let to = |file, terminal| binary_destination("--format xlsx", "r.xlsx", file, terminal);
        assert!(to(true, true).is_ok());
        assert!(to(true, false).is_ok());
        assert!(to(false, false).is_ok());
        match to(false, true) {
            Err(Failure::Usage(message)) => {
                assert!(message.contains("--format xlsx") && message.contains("-o r.xlsx"))
            }
            _ => panic!("a terminal is refused with a usage error"),
        }
    }
}
