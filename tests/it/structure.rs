//! Structure stage: line labels scored against the gold file of the bundled corpus, and
//! articles of our own, in other languages, carrying furniture the bundled corpus lacks.

use super::util::*;
use std::collections::BTreeMap;

/// (label, reason) of each line of `doc` in `out/lines.csv`.
fn labels(dir: &Dir, out: &str, doc: &str) -> BTreeMap<usize, (String, String)> {
    dir.csv(&format!("{out}/lines.csv"))
        .into_iter()
        .filter(|r| r["doc"] == doc)
        .map(|r| (r["line"].parse().unwrap(), (r["label"].clone(), r["reason"].clone())))
        .collect()
}

fn document(dir: &Dir, out: &str, doc: &str) -> BTreeMap<String, String> {
    dir.csv(&format!("{out}/documents.csv")).into_iter().find(|r| r["doc"] == doc).unwrap()
}

/// The count after `name` in the output of `recoupe eval lines` ("exact label   80/80  100.0%").
fn figure(text: &str, name: &str) -> String {
    let line =
        text.lines().find(|l| l.starts_with(name)).unwrap_or_else(|| panic!("no {name} in {text}"));
    line[name.len()..].split_whitespace().next().unwrap().to_string()
}

/// Asserts the label of each listed line.
fn expect(got: &BTreeMap<usize, (String, String)>, want: &[(usize, &str)]) {
    let mut wrong = Vec::new();
    for &(line, label) in want {
        match got.get(&line) {
            Some((l, r)) if l != label => {
                wrong.push(format!("line {line}: {l} ({r}), want {label}"))
            }
            None => wrong.push(format!("line {line}: missing, want {label}")),
            _ => {}
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn bundled_corpus_matches_the_gold_lines() {
    let gold_path = shared().join("gold/seeds/lines.tsv");
    let gold = std::fs::read_to_string(&gold_path).unwrap_or_else(|e| {
        panic!("{}: {e} (the gold files sit beside the repository)", gold_path.display())
    });
    let dir = Dir::new();
    let out = dir.path().join("r");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_recoupe"))
        .args(["run", "-q", "--out"])
        .arg(&out)
        .arg(repo().join("corpus"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let predicted: BTreeMap<(String, String), String> = read_csv(&out.join("lines.csv"))
        .into_iter()
        .map(|r| ((r["doc"].clone(), r["line"].clone()), r["label"].clone()))
        .collect();
    let content = |l: &str| matches!(l, "title" | "heading" | "body");
    let (mut n, mut exact, mut side) = (0, 0, 0);
    let mut misses = Vec::new();
    for row in gold.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = row.split('\t').collect();
        let (doc, line, want) = (cols[0], cols[1], cols[2]);
        let got = predicted.get(&(doc.to_string(), line.to_string())).map_or("", String::as_str);
        n += 1;
        exact += usize::from(got == want);
        side += usize::from(!got.is_empty() && content(got) == content(want));
        if got != want {
            misses.push(format!("{doc} {line}: got {got:?}, want {want}"));
        }
    }
    assert_eq!(n, 80, "the gold file lists 80 lines");
    assert_eq!(side, n, "lines on the wrong content side:\n{}", misses.join("\n"));
    assert!(exact >= 78, "{exact}/80 exact:\n{}", misses.join("\n"));

    // `recoupe eval lines` computes the same figures.
    let o = dir.run(&[
        "eval",
        "lines",
        "--gold",
        gold_path.to_str().unwrap(),
        "--reports",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8(o.stdout).unwrap();
    assert_eq!(figure(&text, "exact label"), format!("{exact}/80"), "{text}");
    assert_eq!(figure(&text, "content side"), format!("{side}/80"), "{text}");

    // documents.csv: the section split off the title, the contributors, the dateline's source.
    let docs = read_csv(&out.join("documents.csv"));
    let by_doc = |prefix: &str| docs.iter().find(|r| r["doc"].starts_with(prefix)).unwrap();
    assert_eq!(by_doc("002")["section"], "Diplomatie");
    assert!(by_doc("002")["title"].starts_with("Israël réduit la liste"));
    assert_eq!(by_doc("001")["credits"], "Jacob Magid; Ricky Ben David");
    assert_eq!(by_doc("003")["source"], "La Lettre Sépharade");
    assert_eq!(by_doc("000")["title"], "", "the first line of 000 is a paragraph, not a title");
}

const ENGLISH: &str = "\
Skip to main content
World
Chile's copper output falls for a third month as mines age
By Maria Gonzalez and Tom Baker
Published March 4, 2024
We use cookies to improve your experience. By continuing to browse this site you agree to our use of cookies.

SANTIAGO (Reuters) - Copper production in Chile, the world's largest producer, fell 4.2% in January from a year earlier, the national statistics agency said on Thursday, as output at several ageing mines declined.

The state-owned miner Codelco produced 101,200 tonnes in the month, down from 110,500 tonnes a year earlier, while output at the Escondida mine rose slightly.

Photo: Ivan Alvarado/Reuters

Read more:
Codelco names new chairman as output slumps
Peru protests halt shipments from major mine

Analysts had expected a smaller decline, and prices on the London Metal Exchange rose 1.1% after the data was published.

Why the mines are ageing

Most of Chile's large copper deposits were discovered decades ago, and the ore being extracted today contains less metal per tonne than it did at the start of production.

\"We are working harder to produce the same amount,\" the head of the mining ministry said in an interview, adding that new projects would take years to come online.

Sign up for our daily newsletter to get the latest news delivered to your inbox.

Additional reporting by Tom Baker; Editing by Jane Roe

Share this article
Most Popular
Oil prices climb as producers extend output cuts
Central bank holds rates steady for a fifth meeting
";

const SPANISH: &str = "\
Economía
El Gobierno aprueba una subida del salario mínimo del 5 %
Por Ana Martínez
Actualizado: 12/02/2024 10:35
Utilizamos cookies propias y de terceros para mejorar nuestros servicios. Si continúa navegando, consideramos que acepta su uso.

MADRID, 12 feb (EFE).- El Consejo de Ministros aprobó este martes una subida del salario mínimo interprofesional del 5 % para este año, hasta los 1.134 euros mensuales en catorce pagas, según informó el Ministerio de Trabajo.

La medida beneficiará a unos 2,5 millones de trabajadores, la mayoría de ellos mujeres y jóvenes, según las estimaciones del propio ministerio.

Foto: Juan Pérez / EFE

Lee también:
Las pensiones suben un 3,8 % en enero
El paro baja en 30.000 personas en el primer mes del año

La patronal CEOE no respaldó el acuerdo, que sí firmaron los sindicatos Comisiones Obreras y UGT tras varias semanas de negociación.

Qué cambia para los trabajadores

Los contratos a tiempo parcial verán aumentar su salario en la misma proporción que las horas trabajadas, y el nuevo importe se aplicará con efectos desde el 1 de enero.

Suscríbete a nuestra newsletter y recibe cada mañana las noticias más importantes.

Compartir en Facebook

Lo más leído
La inflación se modera en enero hasta el 3,4 %
Hacienda amplía el plazo para presentar la declaración
";

const GERMAN: &str = "\
Startseite > Wirtschaft > Energie
Gasspeicher zu 80 Prozent gefüllt: Ziel früher erreicht
Von Lena Schmidt
Diese Website verwendet Cookies. Wenn Sie die Website weiter nutzen, stimmen Sie der Verwendung von Cookies zu.

Berlin (dpa) - Die deutschen Gasspeicher sind nach Angaben der Bundesnetzagentur zu mehr als 80 Prozent gefüllt. Damit sei das gesetzliche Ziel für den 1. Oktober bereits Mitte August erreicht worden, teilte die Behörde am Montag in Bonn mit.

Foto: Max Muster/dpa

Lesen Sie auch:
Strompreise sinken zum ersten Mal seit zwei Jahren
Regierung plant neue Förderung für Wärmepumpen

Der Präsident der Behörde warnte dennoch vor zu großer Sorglosigkeit, weil ein kalter Winter den Verbrauch deutlich erhöhen könne.

Wie geht es weiter?

Die Füllstände sollen bis zum 1. November auf 90 Prozent steigen, so sieht es die Verordnung vor, die der Bundestag im vergangenen Jahr beschlossen hat.

Newsletter abonnieren

Mit Material von dpa und Reuters

Meistgelesen
Bahn streicht Verbindungen im Fernverkehr
Neue Regeln für das Bürgergeld ab Januar
";

#[test]
fn english_article_with_unseen_furniture() {
    let dir = Dir::new();
    dir.write("in/en.txt", ENGLISH);
    dir.ok(&["run", "in", "--out", "r", "-q"]);
    let got = labels(&dir, "r", "en.txt");
    expect(
        &got,
        &[
            (1, "boilerplate"), // skip link
            (2, "boilerplate"), // section label on its own line
            (3, "title"),
            (4, "credit"),      // byline
            (5, "boilerplate"), // publication date
            (6, "boilerplate"), // cookie notice
            (8, "body"),        // dateline paragraph
            (10, "body"),
            (12, "credit"),      // photo credit
            (14, "boilerplate"), // "Read more:" teaser block
            (15, "boilerplate"),
            (16, "boilerplate"),
            (18, "body"), // the article resumes after the teasers
            (20, "heading"),
            (22, "body"),
            (24, "body"),
            (26, "boilerplate"), // newsletter prompt
            (28, "credit"),
            (30, "boilerplate"), // share button
            (31, "boilerplate"), // "Most Popular" and its headlines
            (32, "boilerplate"),
            (33, "boilerplate"),
        ],
    );
    assert_eq!(got.len(), 22, "every non-empty line is labelled once");
    assert_eq!(got[&8].1, "dateline");
    let d = document(&dir, "r", "en.txt");
    assert_eq!(d["title"], "Chile's copper output falls for a third month as mines age");
    assert_eq!(d["section"], "World");
    assert_eq!(d["source"], "Reuters");
    assert_eq!(d["credits"], "Maria Gonzalez; Tom Baker; Ivan Alvarado; Reuters; Jane Roe");
}

#[test]
fn spanish_article_with_unseen_furniture() {
    let dir = Dir::new();
    dir.write("in/es.txt", SPANISH);
    dir.ok(&["run", "in", "--out", "r", "-q"]);
    let got = labels(&dir, "r", "es.txt");
    expect(
        &got,
        &[
            (1, "boilerplate"),
            (2, "title"),
            (3, "credit"),
            (4, "boilerplate"),
            (5, "boilerplate"),
            (7, "body"),
            (9, "body"),
            (11, "credit"),
            (13, "boilerplate"),
            (14, "boilerplate"),
            (15, "boilerplate"),
            (17, "body"),
            (19, "heading"),
            (21, "body"),
            (23, "boilerplate"),
            (25, "boilerplate"),
            (27, "boilerplate"),
            (28, "boilerplate"),
            (29, "boilerplate"),
        ],
    );
    let d = document(&dir, "r", "es.txt");
    assert_eq!(d["lang"], "es");
    assert_eq!(d["section"], "Economía");
    assert_eq!(d["source"], "EFE");
    assert_eq!(d["credits"], "Ana Martínez; Juan Pérez; EFE");
}

#[test]
fn german_article_with_unseen_furniture() {
    let dir = Dir::new();
    dir.write("in/de.txt", GERMAN);
    dir.ok(&["run", "in", "--out", "r", "-q"]);
    let got = labels(&dir, "r", "de.txt");
    expect(
        &got,
        &[
            (1, "boilerplate"), // breadcrumb
            (2, "title"),
            (3, "credit"),
            (4, "boilerplate"),
            (6, "body"),
            (8, "credit"),
            (10, "boilerplate"),
            (11, "boilerplate"),
            (12, "boilerplate"),
            (14, "body"),
            (16, "heading"),
            (18, "body"),
            (20, "boilerplate"),
            (22, "credit"),
            (24, "boilerplate"),
            (25, "boilerplate"),
            (26, "boilerplate"),
        ],
    );
    let d = document(&dir, "r", "de.txt");
    assert_eq!(d["source"], "dpa");
    assert_eq!(d["credits"], "Lena Schmidt; Max Muster; dpa; Reuters");
}

const ITALIAN: &str = "\
Home > Economia
Inflazione, a marzo i prezzi rallentano al 1,2 per cento
di Marco Rossi
Questo sito utilizza cookie tecnici e di profilazione. Proseguendo la navigazione accetti l'uso dei cookie.
ROMA (ANSA) - L'inflazione in Italia rallenta a marzo all'1,2 per cento su base annua, dal 1,5 per cento di febbraio, secondo le stime preliminari diffuse oggi dall'Istat.
A pesare sono soprattutto i prezzi dei beni energetici, che continuano a scendere rispetto allo stesso mese dell'anno scorso.
Leggi anche:
Mutui, le rate tornano a salire
Benzina, il prezzo scende sotto i due euro
Il carrello della spesa, invece, registra ancora un aumento del 2,5 per cento, segno che i prezzi dei beni alimentari restano elevati per le famiglie.
Iscriviti alla nostra newsletter
Riproduzione riservata © Copyright ANSA
I più letti
Sciopero dei treni venerdì in tutta Italia
";

const PORTUGUESE: &str = "\
Economia
Desemprego cai para 6,5% no primeiro trimestre
Por João Silva
Este site usa cookies para melhorar a sua experiência. Ao continuar a navegar, concorda com a nossa política de privacidade.
LISBOA (Lusa) - A taxa de desemprego em Portugal desceu para 6,5% no primeiro trimestre do ano, menos 0,3 pontos percentuais do que no trimestre anterior, segundo o Instituto Nacional de Estatística.
A população empregada aumentou em cerca de 40 mil pessoas, sobretudo nos serviços, enquanto a indústria perdeu postos de trabalho pelo segundo trimestre seguido.
Leia também:
Salário mínimo sobe para 820 euros
Inflação abranda em março
O Governo considera que os números confirmam a recuperação da economia, mas os sindicatos alertam para a precariedade dos novos contratos.
Subscreva a nossa newsletter
Todos os direitos reservados.
Mais lidas
Greve dos professores marcada para segunda-feira
";

#[test]
fn italian_and_portuguese_tables_apply() {
    let dir = Dir::new();
    dir.write("in/it.txt", ITALIAN);
    dir.write("in/pt.txt", PORTUGUESE);
    dir.ok(&["run", "in", "--out", "r", "-q"]);
    // Both pages have the same shape: breadcrumb or section, title, byline, cookie notice,
    // dateline paragraph, text, a "read also" block, text, newsletter, rights notice, most read.
    let want = [
        (1, "boilerplate"),
        (2, "title"),
        (3, "credit"),
        (4, "boilerplate"),
        (5, "body"),
        (6, "body"),
        (7, "boilerplate"),
        (8, "boilerplate"),
        (9, "boilerplate"),
        (10, "body"),
        (11, "boilerplate"),
        (12, "boilerplate"),
        (13, "boilerplate"),
        (14, "boilerplate"),
    ];
    for (doc, source, credit) in
        [("it.txt", "ANSA", "Marco Rossi"), ("pt.txt", "Lusa", "João Silva")]
    {
        expect(&labels(&dir, "r", doc), &want);
        let d = document(&dir, "r", doc);
        assert_eq!((d["source"].as_str(), d["credits"].as_str()), (source, credit), "{doc}");
    }
}

const FRENCH_DAILY: &str = "\
International
La Norvège relève son taux directeur pour la troisième fois
Le Monde avec AFP
Publié le 21 juin 2024 à 11h02, modifié le 21 juin 2024 à 12h15
Temps de Lecture 2 min.
Offrir cet article
Lire plus tard
Partager
La banque centrale norvégienne a relevé jeudi son taux directeur d'un quart de point, à 4,5 %, son plus haut niveau depuis 2008, pour tenter de freiner une inflation qui reste nettement supérieure à son objectif.
« L'inflation est trop élevée et elle baisse plus lentement que prévu », a justifié la gouverneure, Ida Wolden Bache, lors d'une conférence de presse à Oslo.
Lire aussi | La Suède maintient ses taux inchangés
La couronne norvégienne, qui a perdu près de 10 % face à l'euro depuis le début de l'année, a légèrement progressé après l'annonce.
La banque centrale n'exclut pas une nouvelle hausse en septembre.
Le Monde avec AFP
Réutiliser ce contenu
Lire la suite
Les articles les plus lus
Le gouvernement présente son plan pour l'école
Météo : un week-end orageux sur la moitié nord
";

const ENGLISH_DAILY: &str = "\
Supported by
Listen to this article · 4:12 min
Norway Raises Interest Rates Again as Inflation Lingers
The central bank said price growth was slowing more gradually than expected.
By Jane Doe
June 21, 2024, 6:02 a.m. ET
Share full article
Norway's central bank raised its benchmark interest rate by a quarter of a percentage point on Thursday, to 4.5 percent, the highest level since 2008.
\"Inflation is too high and it is coming down more slowly than we expected,\" the governor, Ida Wolden Bache, told reporters in Oslo.
Advertisement
The krone, which has weakened against the euro this year, rose slightly after the announcement.
Analysts said another increase in September could not be ruled out.
Continue reading the main story
John Roe contributed reporting from London.
A version of this article appears in print on June 22, 2024, Section B, Page 3 of the New York edition.
Related Content
";

#[test]
fn newspaper_page_furniture_in_french_and_english() {
    let dir = Dir::new();
    dir.write("in/fr.txt", FRENCH_DAILY);
    dir.write("in/en.txt", ENGLISH_DAILY);
    dir.ok(&["run", "in", "--out", "r", "-q"]);
    let fr = labels(&dir, "r", "fr.txt");
    let body = [9, 10, 12, 13];
    for (line, (label, reason)) in &fr {
        let want = match line {
            2 => "title",
            3 | 14 => "credit", // « Le Monde avec AFP »-style signature
            l if body.contains(l) => "body",
            _ => "boilerplate", // dates, reading time, gift/save/share/reuse buttons, teasers
        };
        assert_eq!(label, want, "fr line {line} ({reason})");
    }
    let d = document(&dir, "r", "fr.txt");
    assert_eq!((d["section"].as_str(), d["credits"].as_str()), ("International", "Le Monde; AFP"));

    let en = labels(&dir, "r", "en.txt");
    let body = [4, 8, 9, 11, 12];
    for (line, (label, reason)) in &en {
        let want = match line {
            3 => "title",
            5 | 14 => "credit", // byline, "… contributed reporting from London."
            l if body.contains(l) => "body",
            _ => "boilerplate", // "Supported by", audio player, date, share, ads, print note
        };
        assert_eq!(label, want, "en line {line} ({reason})");
    }
    assert_eq!(document(&dir, "r", "en.txt")["credits"], "Jane Doe; John Roe");
}

/// Distinct French paragraphs for test documents (the recurrence count folds digits, so
/// documents must differ by their words).
fn paragraph(city: &str, topic: &str) -> String {
    format!(
        "La municipalité de {city} a présenté mardi son plan pour {topic}, un projet qui doit être voté \
         par le conseil avant la fin de l'année selon le maire de {city}, qui en a détaillé le calendrier."
    )
}

const CITIES: [&str; 6] = ["Lyon", "Nantes", "Lille", "Rennes", "Dijon", "Brest"];
const TOPICS: [&str; 6] =
    ["les transports", "les écoles", "le logement", "les parcs", "la voirie", "les musées"];

#[test]
fn site_furniture_recurring_across_documents_is_boilerplate() {
    let dir = Dir::new();
    for (i, (city, topic)) in CITIES.iter().zip(TOPICS).enumerate() {
        dir.write(
            &format!("in/site{i}.txt"),
            format!(
                "{city} dévoile son plan pour {topic}\n\n{}\n\n{}\n\nEspace partenaires régionaux\n",
                paragraph(city, topic),
                paragraph(city, "le budget")
            ),
        );
    }
    dir.ok(&["run", "in", "--out", "r", "-q"]);
    for i in 0..CITIES.len() {
        let got = labels(&dir, "r", &format!("site{i}.txt"));
        assert_eq!(got[&7], ("boilerplate".to_string(), "recurring".to_string()), "site{i}");
        expect(&got, &[(1, "title"), (3, "body"), (5, "body")]);
    }
}

#[test]
fn syndicated_copies_keep_their_headings() {
    // The same wire story in six outlets: its heading recurs as often as its paragraphs, which
    // is syndication, not site furniture.
    let dir = Dir::new();
    let story = format!(
        "Le conseil adopte le plan de mobilité\n\n{}\n\nLes prochaines étapes\n\n{}\n",
        paragraph("Grenoble", "les bus"),
        paragraph("Grenoble", "les vélos")
    );
    for i in 0..6 {
        dir.write(&format!("in/copy{i}.txt"), &story);
    }
    dir.ok(&["run", "in", "--out", "r", "-q"]);
    for i in 0..6 {
        let got = labels(&dir, "r", &format!("copy{i}.txt"));
        expect(&got, &[(1, "title"), (3, "body"), (5, "heading"), (7, "body")]);
    }
}

#[test]
fn menus_and_dates_go_lists_and_answers_stay() {
    let dir = Dir::new();
    let text = format!(
        "Accueil\nActualités\nVidéos\nPodcasts\n12 mars 2024 à 14h05\n\
         Lyon vote son budget pour les transports\n\n{}\n\nLes trois priorités du plan :\n\
         Tramway\nVélos\nBus\n\n{}\n\n— Le vote était-il acquis ?\nNon.\n— Et le suivant ?\nNon.\n\n{}\n",
        paragraph("Lyon", "les transports"),
        paragraph("Lyon", "le budget"),
        paragraph("Lyon", "les quais"),
    );
    dir.write("in/a.txt", text);
    dir.ok(&["run", "in", "--out", "r", "-q"]);
    let got = labels(&dir, "r", "a.txt");
    expect(
        &got,
        &[
            (1, "boilerplate"), // navigation
            (2, "boilerplate"),
            (3, "boilerplate"),
            (4, "boilerplate"),
            (5, "boilerplate"), // date
            (6, "title"),
            (8, "body"),
            (10, "body"), // a list announced by a colon is the article's own
            (11, "body"),
            (12, "body"),
            (13, "body"),
            (15, "body"),
            (17, "body"), // interview questions and answers, the same answer twice
            (18, "body"),
            (19, "body"),
            (20, "body"),
            (22, "body"),
        ],
    );
    assert_eq!(got[&2].1, "menu");
}

#[test]
fn readers_comments_are_boilerplate_to_the_end() {
    // Comments are prose, as long and stopword-dense as the article: after a comments marker,
    // nothing is the article any more.
    let dir = Dir::new();
    let comment = "I have lived in this city for twenty years and I have never seen the council \
                   spend so much money on a project that nobody in the neighbourhood asked for.";
    let text = format!(
        "Council approves new tram line\n\n\
         The city council approved on Tuesday a new tram line that will link the airport to the \
         central station by the end of the decade, after a debate that lasted more than six hours.\n\n\
         The project is expected to cost about 400 million euros, most of it paid by the region.\n\n\
         3 Comments\n\n{comment}\n\nReply\n\n{}\n",
        comment.replace("twenty", "thirty"),
    );
    dir.write("in/a.txt", text);
    dir.ok(&["run", "in", "--out", "r", "-q"]);
    let got = labels(&dir, "r", "a.txt");
    expect(
        &got,
        &[
            (1, "title"),
            (3, "body"),
            (5, "body"),
            (7, "boilerplate"),
            (9, "boilerplate"),
            (11, "boilerplate"),
            (13, "boilerplate"),
        ],
    );
    assert_eq!(got[&9].1, "comments");
}

#[test]
fn repeated_teaser_inside_a_document_is_boilerplate() {
    let dir = Dir::new();
    let p = paragraph("Metz", "les crèches");
    dir.write("in/a.txt", format!("Metz ouvre trois crèches\n\n{p}\n\n{p}\n"));
    dir.ok(&["run", "in", "--out", "r", "-q"]);
    let got = labels(&dir, "r", "a.txt");
    expect(&got, &[(1, "title"), (3, "body"), (5, "boilerplate")]);
    assert_eq!(got[&5].1, "repeated");
}

#[test]
fn article_on_one_line_keeps_its_body_despite_a_rights_notice() {
    let dir = Dir::new();
    // A scraped article without newlines, its rights notice glued to the end.
    let body = ["les crèches", "la gare", "les écoles"].map(|t| paragraph("Metz", t)).join(" ");
    let line =
        format!("{body} {} © Le Républicain. Tous droits réservés.", body.replace("Metz", "Nancy"));
    assert!(line.chars().count() > 1000, "the line must be longer than a notice");
    dir.write(
        "in/a.txt",
        format!("Metz ouvre trois crèches\n\n{line}\n\n© Le Républicain. Tous droits réservés.\n"),
    );
    dir.ok(&["run", "in", "--out", "r", "-q"]);
    let got = labels(&dir, "r", "a.txt");
    expect(&got, &[(1, "title"), (3, "body"), (5, "boilerplate")]);
    assert_eq!(got[&5].1, "notice");
}

#[test]
fn json_record_title_is_the_title_line() {
    let dir = Dir::new();
    let body = format!("{}\n\n{}", paragraph("Caen", "le port"), paragraph("Caen", "la gare"));
    let rec = serde_json::json!({"title": "Caen modernise son port", "text": body});
    // A title that reads like a photo credit is still the source's title.
    let credit_like = "Photo de Caen avec la foule : la fête du port a réuni dix mille personnes";
    let rec2 = serde_json::json!({"title": credit_like, "text": body});
    dir.write("in/a.jsonl", format!("{rec}\n{rec2}\n"));
    dir.ok(&["run", "in", "--out", "r", "-q"]);
    for (doc, title) in [("a.jsonl#1", "Caen modernise son port"), ("a.jsonl#2", credit_like)] {
        expect(&labels(&dir, "r", doc), &[(1, "title"), (3, "body"), (5, "body")]);
        assert_eq!(document(&dir, "r", doc)["title"], title);
    }
}

#[test]
fn clean_prints_title_and_body_only() {
    let dir = Dir::new();
    dir.write("en.txt", ENGLISH);
    let o = dir.ok(&["clean", "en.txt"]);
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.starts_with("Chile's copper output falls for a third month as mines age\n\n"));
    assert!(text.contains("Why the mines are ageing\n"));
    assert!(text.contains("SANTIAGO (Reuters) - Copper production"));
    for furniture in [
        "cookies",
        "Read more",
        "Codelco names",
        "newsletter",
        "Most Popular",
        "Photo:",
        "By Maria",
    ] {
        assert!(!text.contains(furniture), "{furniture:?} in:\n{text}");
    }
    assert!(o.stderr.is_empty(), "{}", String::from_utf8_lossy(&o.stderr));

    // The same from standard input, and the labelled lines as JSON, one object per document.
    let o = dir.run_stdin(&["clean", "-"], ENGLISH.as_bytes());
    assert_eq!(String::from_utf8(o.stdout).unwrap(), text);
    dir.write("de.txt", GERMAN);
    let o = dir.ok(&["clean", "--format", "json", "en.txt", "de.txt"]);
    let docs: Vec<serde_json::Value> = String::from_utf8(o.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[1]["doc"], "de.txt");
    assert_eq!(docs[1]["lang"], "de");
    let lines = docs[0]["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 22);
    assert_eq!(lines[2]["label"], "title");
    assert_eq!(lines[2]["line"], 3);
    assert_eq!(lines[3]["label"], "credit");
    assert_eq!(lines[3]["text"], "By Maria Gonzalez and Tom Baker");
}

#[test]
fn eval_lines_lists_misses() {
    let dir = Dir::new();
    dir.write("in/en.txt", ENGLISH);
    dir.ok(&["run", "in", "--out", "r", "-q"]);
    dir.write(
        "gold.tsv",
        "file\tline\tlabel\tnote\nen.txt\t3\ttitle\t\nen.txt\t8\tboilerplate\twrong on purpose\n",
    );
    let o = dir.ok(&["eval", "lines", "--gold", "gold.tsv", "--reports", "r"]);
    let text = String::from_utf8(o.stdout).unwrap();
    assert_eq!(figure(&text, "exact label"), "1/2", "{text}");
    assert_eq!(figure(&text, "content side"), "1/2", "{text}");
    assert!(
        text.contains("en.txt\t8\tgold boilerplate\tgot body (dateline)\twrong on purpose"),
        "{text}"
    );
    let o = dir.run(&["eval", "lines", "--gold", "missing.tsv", "--reports", "r"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("missing.tsv"));
}
