//! The `recoupe` binary: parses flags, calls the library, maps the outcome to an exit code
//! (0 success, 1 fatal or --strict with errors, 2 usage; clap exits with 2 on its own).

use clap::Parser;
use recoupe::cli::{Cli, Command, EvalCommand, RunArgs};
use std::process::ExitCode;

// The analysis allocates many small, short-lived strings and vectors on every thread; mimalloc's
// thread-local free lists cut the time glibc's allocator spent there (about 12% of a run).
#[global_allocator]
static GLOBAL: recoupe::alloc::MiMalloc = recoupe::alloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (its position in `mi_option_e`, the same in mimalloc 2 and
/// 3; the Rust bindings do not name it).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
/// How long freed memory stays mapped before mimalloc returns it to the system. The default
/// (1 s) returned memory between batches that the next batch faulted straight back in, and the
/// kernel zeroing those pages cost about 6% of a run (`perf`: `clear_page_erms`). Memory idle
/// for 10 s is still returned, so a long run's resident set follows its working set.
const PURGE_DELAY_MS: std::ffi::c_long = 10_000;

/// Turns transparent huge pages off for this process. mimalloc asks for them on its arenas, and
/// each first touch of a 2 MiB region then made the kernel find and zero a whole huge page. On
/// synth 100 MB at 2 threads that was 2–3 s of system time in a 10 s run (`perf`:
/// `clear_page_erms` under `do_huge_pmd_anonymous_page`, 11% of the samples); with 4 KiB pages
/// it is under 1 s, and the peak resident set is a quarter smaller. The flag is checked at each
/// fault.
///
/// It runs as a constructor, before Rust's runtime makes the first allocation: set from `main`,
/// it came after mimalloc had already faulted in its first huge pages, and with the kernel's
/// default `defrag=madvise` each of those could wait for the kernel to compact memory: from
/// `execve` to `main`, 8–25 ms (a third of the runs stalled 10–15 ms) against 8–10 ms with the
/// constructor (`strace -tt`, six runs each on a one-line corpus).
#[cfg(target_os = "linux")]
#[used]
#[unsafe(link_section = ".init_array")]
static NO_HUGE_PAGES: extern "C" fn() = {
    extern "C" fn no_huge_pages() {
        // SAFETY: prctl with PR_SET_THP_DISABLE takes plain integers and touches no memory of
        // ours; a kernel without it returns an error, which changes nothing but speed.
        unsafe { libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0) };
    }
    no_huge_pages
};

fn main() -> ExitCode {
    // SAFETY: sets a plain integer option before any other thread exists, so nothing reads it
    // concurrently; mimalloc ignores an out-of-range option id.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS) };
    let cli = Cli::parse();
    let command = cli.command.unwrap_or_else(|| {
        // `recoupe` alone is `recoupe run` with every default.
        let Cli { command: Some(Command::Run(args)) } = Cli::parse_from(["recoupe", "run"]) else {
            unreachable!("`run` parses")
        };
        Command::Run(args)
    });
    let result = match command {
        Command::Run(args) => return run(&args),
        Command::Clean(args) => recoupe::structure::clean_command(&args),
        Command::Kb(args) => recoupe::entities::kb_command(&args),
        Command::Eval(args) => match &args.command {
            EvalCommand::Mentions { gold, reports } => {
                recoupe::entities::eval_mentions(gold, reports)
            }
            EvalCommand::Lines { gold, reports } => recoupe::structure::eval_lines(gold, reports),
        },
        Command::Synth(args) => recoupe::synth::synth_command(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}

/// Ends the process once a run's reports are in place, without the allocator's clean-up at
/// exit: mimalloc would free what its main heap still holds and hand every freed page back to
/// the system one call at a time (about 1,100 `madvise` calls after a run on synth 10 MB),
/// which the system's own clean-up of the process makes needless.
fn exit_now(code: u8) -> ExitCode {
    use std::io::Write;
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    // A build instrumented for profile-guided optimization (benches/pgo.sh) writes its profile
    // from an exit handler, which `_exit` skips: write it now.
    #[cfg(recoupe_pgo_train)]
    {
        unsafe extern "C" {
            fn __llvm_profile_write_file() -> i32;
        }
        // SAFETY: the profiler runtime linked by `-Cprofile-generate` defines this function; it
        // only writes the counters gathered so far into the profile file.
        unsafe {
            __llvm_profile_write_file();
        }
    }
    #[cfg(target_os = "linux")]
    // SAFETY: `_exit` ends the process without running exit handlers. Every report was written,
    // flushed and renamed into place by the run, stdout and stderr are flushed just above, and
    // no other thread has work the run still needs.
    unsafe {
        libc::_exit(i32::from(code))
    }
    #[cfg(not(target_os = "linux"))]
    ExitCode::from(code)
}

fn fail(e: &anyhow::Error) -> ExitCode {
    eprintln!("recoupe: error: {e:#}");
    ExitCode::from(1)
}

fn run(args: &RunArgs) -> ExitCode {
    let cfg = match recoupe::Config::from_run_args(args) {
        Ok(cfg) => cfg,
        Err(e) => {
            eprintln!("recoupe: error: {e:#}\n\nFor more information, try 'recoupe run --help'.");
            return ExitCode::from(2);
        }
    };
    match recoupe::run_holding(&cfg) {
        Ok((summary, held)) => {
            // The process ends here: the system takes the run's memory back at once.
            std::mem::forget(held);
            if !cfg.quiet {
                eprintln!("{}", summary.line(&cfg.out));
                if summary.errors > 0 {
                    eprintln!(
                        "recoupe: {} inputs could not be analysed; see {}",
                        summary.errors,
                        cfg.out.join("errors.csv").display()
                    );
                }
            }
            exit_now(if cfg.strict && summary.errors > 0 { 1 } else { 0 })
        }
        Err(e) => fail(&e),
    }
}
