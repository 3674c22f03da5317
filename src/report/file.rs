//! Report files: created with an error naming the path, buffered, and written front to back
//! with the pages already written handed back to the system as the file grows.
//!
//! The reports of a large corpus are about eight times its size (8 GB for a 1 GB corpus), and
//! the run reads almost none of them again (report.html reads back the few records it shows). Left to the page cache they would fill the machine's memory
//! with pages nobody needs, evicting everything else; and on a virtual machine whose host backs
//! guest memory lazily, each page the cache takes for the first time costs a fault in the host
//! (writing 2 GB here took 7.8 s through the page cache, 0.9 s written behind). So on Linux,
//! once a file is past its first `AFTER` bytes, every window of `WINDOW` bytes is sent to the
//! disk as soon as it is written (`sync_file_range`), and the windows before the previous one,
//! on the disk by then, are dropped (`posix_fadvise(DONTNEED)`): the cache holds about `AFTER`
//! bytes and two windows of each file, and the pages it frees are taken again by the next
//! window while they are still backed. The reports of a small corpus stay under `AFTER` and
//! are left to the kernel until the commit syncs every report. Both calls are hints: when the file system ignores
//! them (tmpfs has no disk behind it and keeps every page), nothing changes but the memory
//! used. Write errors still surface, from `write` or from the `fsync` of every report before
//! the commit (`OutputDir::commit`).

use anyhow::{Context, Result};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

/// Bytes sent to the disk at once, and the granularity at which pages are dropped.
const WINDOW: u64 = 16 << 20;
/// Bytes of a file left to the page cache before writing behind begins.
const AFTER: u64 = 64 << 20;

/// A report file (see the module documentation).
#[derive(Debug)]
pub struct ReportFile {
    file: File,
    /// Bytes written so far.
    written: u64,
    /// Bytes whose writing to the disk has been started.
    started: u64,
    /// Bytes dropped from the page cache (a multiple of `WINDOW`).
    dropped: u64,
    window: u64,
    after: u64,
}

/// Creates `path` for writing, buffered.
pub fn create(path: &Path) -> Result<BufWriter<ReportFile>> {
    let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
    Ok(BufWriter::with_capacity(1 << 16, ReportFile::new(file, WINDOW, AFTER)))
}

impl ReportFile {
    fn new(file: File, window: u64, after: u64) -> Self {
        ReportFile { file, written: 0, started: 0, dropped: 0, window, after }
    }

    /// Waits for the file's bytes to reach the disk.
    pub fn sync_all(&self) -> std::io::Result<()> {
        self.file.sync_all()
    }

    /// Starts writing the new full windows to the disk and drops those already there.
    fn behind(&mut self) {
        while self.written - self.started >= self.window {
            let start = self.started;
            self.started += self.window;
            os::start_writeback(&self.file, start, self.window);
            // The windows before the previous one were sent to the disk at least a window
            // ago: their pages are clean by now and dropped. Nothing waits for the disk (the
            // writer thread is on the critical path); a page still being written is left in
            // the cache, which only costs memory.
            while self.dropped + self.window < self.started {
                os::drop_clean(&self.file, self.dropped, self.window);
                self.dropped += self.window;
            }
        }
    }
}

impl Write for ReportFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.file.write(buf)?;
        self.written += n as u64;
        if self.written >= self.after && self.written - self.started >= self.window {
            self.behind();
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

#[cfg(target_os = "linux")]
mod os {
    use std::fs::File;
    use std::os::fd::AsRawFd;

    /// Starts writing `len` bytes at `start` to the disk, without waiting.
    pub fn start_writeback(file: &File, start: u64, len: u64) {
        // SAFETY: a valid open descriptor and plain integers; the call reads no memory.
        unsafe {
            libc::sync_file_range(
                file.as_raw_fd(),
                start as libc::off64_t,
                len as libc::off64_t,
                libc::SYNC_FILE_RANGE_WRITE,
            );
        }
    }

    /// Drops the cached pages of `len` bytes at `start` that are on the disk.
    pub fn drop_clean(file: &File, start: u64, len: u64) {
        // SAFETY: as above. A failure leaves the pages cached, which is only memory.
        unsafe {
            libc::posix_fadvise(
                file.as_raw_fd(),
                start as libc::off_t,
                len as libc::off_t,
                libc::POSIX_FADV_DONTNEED,
            );
        }
    }

    /// Starts reading `len` bytes at `start` into the cache.
    pub fn will_need(file: &File, start: u64, len: u64) {
        // SAFETY: as above. A failure only leaves the later reads to wait for the disk.
        unsafe {
            libc::posix_fadvise(
                file.as_raw_fd(),
                start as libc::off_t,
                len as libc::off_t,
                libc::POSIX_FADV_WILLNEED,
            );
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod os {
    use std::fs::File;

    pub fn start_writeback(_: &File, _: u64, _: u64) {}
    pub fn drop_clean(_: &File, _: u64, _: u64) {}
    pub fn will_need(_: &File, _: u64, _: u64) {}
}

/// Asks the system to read `len` bytes at `start` of `file` into its cache now, without
/// waiting: reads of many scattered ranges, announced first, are then served from memory
/// instead of waiting for the disk one after the other. A hint only (nothing on other systems).
pub fn prefetch(file: &File, start: u64, len: u64) {
    os::will_need(file, start, len);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bytes written through a file with 4 KB windows, written behind past its first 10 KB,
    /// with writes that straddle windows, read back whole.
    fn round_trip(dir: &Path) {
        let path = dir.join("report-file-test.bin");
        let file = File::create(&path).unwrap();
        let mut w = BufWriter::with_capacity(7, ReportFile::new(file, 4096, 10_000));
        let mut expected = Vec::new();
        for i in 0..5000u32 {
            let chunk = format!("{i}:{}\n", "x".repeat((i % 97) as usize));
            w.write_all(chunk.as_bytes()).unwrap();
            expected.extend_from_slice(chunk.as_bytes());
        }
        let f = w.into_inner().unwrap();
        assert!(f.dropped > 0, "no window was dropped: the test would not test dropping");
        f.sync_all().unwrap();
        drop(f);
        assert_eq!(std::fs::read(&path).unwrap(), expected);
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn dropped_windows_keep_every_byte() {
        round_trip(tempfile::tempdir().unwrap().path());
        // tmpfs keeps its pages whatever the advice: the bytes must survive there too.
        let shm = Path::new("/dev/shm");
        if shm.is_dir()
            && let Ok(dir) = tempfile::tempdir_in(shm)
        {
            round_trip(dir.path());
        }
    }
}
