//! Command-line flags as clap parses them. Nothing here is validated beyond syntax: `Config`
//! turns `RunArgs` into settings the pipeline can trust.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

const ABOUT: &str = "Cross-check news coverage: what outlets agree on, conflict on, or say alone.";

const LONG_ABOUT: &str = "\
recoupe reads a corpus of news articles from many outlets, removes page furniture, finds the
countries, companies, agencies, people, media and products they name, extracts what they claim
(numbers, lists, memberships, quotes, days) and reports, story by story, where outlets agree,
conflict or stand alone.

With no command, `recoupe` runs `recoupe run` on ./corpus and writes ./reports.";

const AFTER_HELP: &str = "\
EXIT CODES:
    0  success (documents that could not be analysed are listed in errors.csv, not fatal)
    1  fatal error: no readable input, output directory not writable, invalid knowledge base;
       with --strict, also any document listed in errors.csv
    2  usage error (unknown flag, bad value)

ENVIRONMENT:
    RECOUPE_TIMINGS=1  print on stderr, even with --quiet, how long each phase of the run took
                       with the memory in use, and the CPU time each stage spent over all
                       threads (for benchmarks and profiling; the reports do not change)

EXAMPLES:
    recoupe                                   analyse ./corpus into ./reports
    recoupe run articles/ --out out/          a directory of .txt/.md/.json/.jsonl(.gz) files
    recoupe run scrape.jsonl.gz --threads 2   news-please or trafilatura JSON lines
    recoupe run data.jsonl --text-field article --title-field title
    cat article.txt | recoupe run - --out out/";

#[derive(Debug, Parser)]
#[command(name = "recoupe", version, about = ABOUT, long_about = LONG_ABOUT, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Analyse a corpus and write the reports (the main job).
    #[command(after_help = AFTER_HELP)]
    Run(RunArgs),
    /// Print the article text of documents with page furniture removed.
    Clean(CleanArgs),
    /// Inspect the knowledge base of entities.
    Kb(KbArgs),
    /// Score reports against hand-made gold annotations.
    Eval(EvalArgs),
    /// Generate a large deterministic synthetic corpus for benchmarks.
    Synth(SynthArgs),
}

/// Where documents come from and how JSON records are read.
#[derive(Debug, Clone, Args)]
pub struct InputArgs {
    /// Files or directories to read; `-` reads standard input. Directories are walked
    /// recursively in sorted order, skipping hidden entries. Formats: .txt, .md (one article
    /// per file), .jsonl, .ndjson (one JSON article per line), .json (an object or an array),
    /// each optionally gzip-compressed (.gz). [default: corpus]
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,

    /// JSON field(s) holding the article text, comma-separated, first present wins.
    #[arg(long, value_name = "NAMES", default_value = "maintext,text,article,content,body")]
    pub text_field: String,
    /// JSON field(s) holding the title.
    #[arg(long, value_name = "NAMES", default_value = "title")]
    pub title_field: String,
    /// JSON field(s) naming the outlet.
    #[arg(
        long,
        value_name = "NAMES",
        default_value = "source_domain,hostname,sitename,outlet,publisher"
    )]
    pub outlet_field: String,
    /// JSON field(s) holding the publication date.
    #[arg(
        long,
        value_name = "NAMES",
        default_value = "date_publish,date,published,date_published"
    )]
    pub date_field: String,
    /// JSON field(s) holding the article URL.
    #[arg(long, value_name = "NAMES", default_value = "url,source,link")]
    pub url_field: String,
    /// JSON field(s) holding the declared language.
    #[arg(long, value_name = "NAMES", default_value = "language,lang")]
    pub lang_field: String,
    /// JSON field(s) holding the record's own id.
    #[arg(long, value_name = "NAMES", default_value = "id,_id,record_id")]
    pub id_field: String,

    /// A CSV manifest (columns: file, outlet, url, date, language) describing the input files.
    /// Without it, a manifest.csv at the top of each input directory is used when present.
    #[arg(long, value_name = "FILE")]
    pub manifest: Option<PathBuf>,

    /// Largest document accepted, in bytes (larger ones are listed in errors.csv).
    #[arg(long, value_name = "BYTES", default_value_t = 64 << 20)]
    pub max_doc_bytes: u64,
    /// Longest line accepted in a document's text, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 1 << 20)]
    pub max_line_bytes: u64,
    /// Longest line accepted in a JSON-lines file, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 64 << 20)]
    pub max_json_line_bytes: u64,

    /// Extra knowledge-base file(s) in the TSV format of data/kb (repeatable); their entries
    /// extend or override the bundled ones.
    #[arg(long, value_name = "FILE.tsv")]
    pub kb: Vec<PathBuf>,

    /// Worker threads [default: all cores].
    #[arg(long, short = 'j', value_name = "N")]
    pub threads: Option<usize>,
}

#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Directory to write the reports into; replaced as a whole when the run succeeds.
    #[arg(long, short = 'o', value_name = "DIR", default_value = "reports")]
    pub out: PathBuf,

    /// Exit with status 1 if any document could not be analysed.
    #[arg(long)]
    pub strict: bool,

    /// Print nothing on stderr except errors (no progress bar, no summary).
    #[arg(long, short = 'q')]
    pub quiet: bool,

    /// Write CSV cells verbatim, without neutralizing cells that a spreadsheet would read
    /// as formulas (cells starting with =, +, -, @, tab or CR get a leading apostrophe).
    #[arg(long)]
    pub raw_csv: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CleanFormat {
    /// Title and body text.
    Text,
    /// Every line with its label and reason, as JSON.
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct CleanArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CleanFormat::Text)]
    pub format: CleanFormat,
}

#[derive(Debug, Clone, Args)]
pub struct KbArgs {
    #[command(subcommand)]
    pub command: KbCommand,
    /// Extra knowledge-base file(s) in the TSV format of data/kb.
    #[arg(long, global = true, value_name = "FILE.tsv")]
    pub kb: Vec<PathBuf>,
}

#[derive(Debug, Clone, Subcommand)]
pub enum KbCommand {
    /// Print every alias of the knowledge base, one per line.
    Aliases,
}

#[derive(Debug, Clone, Args)]
pub struct EvalArgs {
    #[command(subcommand)]
    pub command: EvalCommand,
}

#[derive(Debug, Clone, Subcommand)]
pub enum EvalCommand {
    /// Precision, recall and F1 of mentions.csv against a gold mentions TSV.
    Mentions {
        /// Gold file in the format of gold/seeds/mentions.tsv.
        #[arg(long, value_name = "FILE.tsv")]
        gold: PathBuf,
        /// Reports directory holding mentions.csv.
        #[arg(long, value_name = "DIR", default_value = "reports")]
        reports: PathBuf,
    },
    /// Line-label accuracy of lines.csv against a gold lines TSV.
    Lines {
        /// Gold file in the format of gold/seeds/lines.tsv.
        #[arg(long, value_name = "FILE.tsv")]
        gold: PathBuf,
        /// Reports directory holding lines.csv.
        #[arg(long, value_name = "DIR", default_value = "reports")]
        reports: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SynthFormat {
    /// One .txt file per article.
    Txt,
    /// One gzip-compressed JSON-lines file.
    #[value(name = "jsonl.gz")]
    JsonlGz,
}

#[derive(Debug, Clone, Args)]
pub struct SynthArgs {
    /// Number of documents to generate.
    #[arg(long, value_name = "N")]
    pub docs: usize,
    /// Output directory (created; must be empty or absent).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Random seed: the same seed gives the same corpus, byte for byte.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SynthFormat::JsonlGz)]
    pub format: SynthFormat,
    /// Directory of articles whose sentences are recombined (the bundled corpus).
    #[arg(long, value_name = "DIR", default_value = "corpus")]
    pub from: PathBuf,
}
