"""The catalogue's problems in Danish for the pages: a headline and a fix per code (English stays in logs, CLI and API)."""
from __future__ import annotations

from dataclasses import dataclass

from formgen.core.errors import Problem

__all__ = ["DANISH", "DanishProblem", "danish"]

# code → (headline, how to fix it). The English `what` names the details (field, value, limit); the page shows it
# beneath the Danish text, marked lang="en", because those details cannot be translated from a fixed list.
DANISH: dict[str, tuple[str, str]] = {
    "FG100": ("Arbejdsområdet findes ikke", "Kør formgen init, eller start formgen serve med --workspace på det rigtige arbejdsområde."),
    "FG101": ("Arbejdsområdets opsætning er ugyldig", "Ret den nævnte indstilling i formgen.toml."),
    "FG102": ("Logoet kan ikke bruges", "Brug en PNG eller JPEG under 5 MB med 16–6000 pixels på hver led."),
    "FG110": ("Skemadefinitionen kan ikke læses", "Gem definitionen som UTF-8 YAML, og tjek indrykningen."),
    "FG111": ("Skemadefinitionen er ugyldig", "Ret det sted i YAML-filen, som meddelelsen nævner (fil, sti og linje)."),
    "FG112": ("Skemaet findes ikke", "Vælg et skema fra listen på Skemaer."),
    "FG113": ("To skemadefinitioner har samme id", "Giv dit eget skema sit eget id."),
    "FG114": ("Skemaets regneark har en fejl", "Ret den celle i regnearket, som meddelelsen nævner (ark og celle, fx Indikatorer!C7)."),
    "FG115": ("Ændringen ville ændre betydningen af gemte svar", "Gør som meddelelsen siger: skriv den gamle nøgle i tidligere_nøgle, de gamle trin i Tidligere trin eller udgåede nøgler i Udgåede nøgler – eller behold nøglen og skalaen."),
    "FG120": ("Borgerlisten kan ikke læses", "Tjek at listen er en CSV- eller XLSX-fil med kolonnerne fra vejledningen."),
    "FG121": ("En række i borgerlisten er ugyldig", "Ret den nævnte række eller kolonne, og prøv igen."),
    "FG122": ("CPR-nummer afvist", "Brug sagsnummeret eller et pseudonym – aldrig et CPR-nummer."),
    "FG130": ("Valget er ugyldigt", "Tjek det valg, meddelelsen nævner, og prøv igen."),
    "FG140": ("Skabelonen kan ikke bruges", "Geninstallér formgen, eller bed den ansvarlige om at bygge skabelonerne igen."),
    "FG150": ("Databasefejl", "Gør som meddelelsen siger; filer, der ikke er indlæst endnu, er gemt."),
    "FG160": ("Ingen data til rapporten", "Indlæs de returnerede skemaer først på Indlæs."),
    "FG170": ("LibreOffice mangler", "Bed den ansvarlige om at installere LibreOffice; flyt derefter afviste filer tilbage og indlæs igen."),
    "FG171": ("PDF-konverteringen mislykkedes", "Åbn Word-filen for at tjekke den, og prøv igen."),
    "FG180": ("Adgang nægtet", "Genindlæs siden og prøv igen, eller log ind igen. Bruger formgen ingen konti, så åbn adressen, som formgen serve skrev (med ?token=)."),
    "FG181": ("Upload for stor", "Upload færre filer ad gangen eller et mindre arkiv; intet blev gemt."),
    "FG182": ("Siden eller elementet findes ikke", "Følg et link på siden i stedet for at skrive adressen."),
    "FG183": ("Det har din rolle ikke adgang til", "Bed en administrator om adgang, hvis dit arbejde kræver det."),
    "FG184": ("Login afvist", "Tjek brugernavn og adgangskode. Efter 5 forkerte forsøg er kontoen låst i 15 minutter."),
    "FG185": ("Problem med brugerkontoen", "Vælg et andet navn eller en længere adgangskode (mindst 12 tegn)."),
    "FG186": ("Siden kan ikke vises uden for denne computer uden brugerkonti", "Opret brugerkonti først, og sæt formgen bag en TLS-proxy."),
    "FG201": ("Tom fil", "Bed afsenderen om at sende den udfyldte fil igen."),
    "FG202": ("Ikke et Word- eller Excel-skema", "Bed om den udfyldte .docx/.xlsx/.pdf-fil, som formgen sendte. Scanninger læses kun af skemaer, som formgen har printet (med hjørnemærker og QR-kode); andet papir skal tastes ind i hånden."),
    "FG203": ("Filen er beskyttet med adgangskode", "Fjern adgangskoden, gem filen igen og indlæs den."),
    "FG204": ("Gammelt .doc/.xls-format", "Gem filen som .docx/.xlsx, eller indlæs med »Konvertér gamle .doc/.xls-filer« (kræver LibreOffice)."),
    "FG205": ("Filen indeholder makroer", "Gem den som en almindelig .docx/.xlsx uden makroer, og send den igen."),
    "FG206": ("Zip-bombe eller for mange dele", "Åbn ikke filen; kontakt afsenderen."),
    "FG207": ("Usikre eller dobbelte delnavne i filen", "Åbn ikke filen; kontakt afsenderen."),
    "FG208": ("Filen indeholder en DTD", "Åbn ikke filen; kontakt afsenderen."),
    "FG209": ("Filen er beskadiget eller ulæselig", "Bed afsenderen om at gemme og sende filen igen."),
    "FG210": ("Skemaet er ikke sendt fra dette arbejdsområde", "Indlæs det i det arbejdsområde, der lavede skemaet."),
    "FG211": ("Filen er ikke lavet af formgen", "Skriv svarene ind i et skema, der er lavet til borgeren."),
    "FG212": ("Skemaets version passer ikke til udsendelsen", "Tjek at svarene hører til dette skema."),
    "FG213": ("PDF uden skemafelter (udskrevet eller scannet)", "Skriv svarene ind i et nyt skema til borgeren, eller bed om den udfyldelige PDF/.docx."),
    "FG214": ("PDF'en er beskyttet med adgangskode", "Fjern adgangskoden, og send PDF'en igen."),
    "FG220": ("Ikke et trin på skalaen", "Skriv ét helt tal på skalaen med cifre (eller Ved ikke), og indlæs igen."),
    "FG221": ("Mellem to trin", "Vælg ét trin, og indlæs igen."),
    "FG222": ("Mere end én værdi", "Behold én værdi, og indlæs igen."),
    "FG223": ("Uden for skalaen", "Skriv et trin inden for skalaen, og indlæs igen."),
    "FG224": ("Feltet står der to gange med forskellige værdier", "Slet den kopierede række, og indlæs igen."),
    "FG225": ("»Ved ikke« er ikke tilladt her", "Skriv et trin; denne skala har ikke Ved ikke."),
    "FG226": ("Ikke et tal", "Skriv et tal, fx 25 eller 22,5."),
    "FG227": ("Ikke en dato", "Skriv datoen som dd-mm-åååå."),
    "FG230": ("Konflikt: en anden fil for samme skema", "Sammenlign de to filer på Til behandling, og vælg den, der skal gælde."),
    "FG231": ("Bemærk: samme svar som en tidligere returnering (en dublet)", "Intet at gøre; begge filer er gemt, og svarene tælles én gang."),
    "FG232": ("Bemærk: en nyere version af et kompetencekort", "Intet at gøre; den nye version gælder, og den tidligere fil er gemt."),
    "FG240": ("Filen er for stor", "Fjern store billeder fra skemaet, og gem det igen."),
    "FG241": ("Det tog for lang tid at læse filen", "Gem filen igen; hvis den stadig er langsom, kontakt afsenderen."),
    "FG242": ("Filen krævede for meget hukommelse", "Åbn ikke filen; kontakt afsenderen."),
    "FG243": ("Alt for stort billede i filen", "Komprimér eller slet billedet, og gem igen; har ingen sat et billede ind, så åbn ikke filen og kontakt afsenderen."),
    "FG244": ("Filen i gammelt format kunne ikke konverteres", "Åbn den i Word/Excel eller LibreOffice, gem som .docx/.xlsx, og indlæs den kopi."),
    "FG245": ("Læsningen af filen gik ned", "Åbn ikke filen; bed afsenderen om en ny kopi."),
    "FG246": ("OpenDocument-fil (.odt/.ods), og LibreOffice mangler", "Bed afsenderen gemme den som Word-dokument (.docx) / Excel-projektmappe (.xlsx), eller få LibreOffice installeret."),
    "FG247": ("Scanningen kan ikke læses", "Scan siden igen (300 dpi, gråtoner, PDF) og indlæs den nye fil."),
    "FG250": ("En række afkrydsninger skal ses af en person", "Se billedet af rækken under Til behandling, og vælg svaret."),
    "FG251": ("En scannet side kan ikke læses (hjørnemærker eller QR-kode mangler)", "Scan hele siden igen, fladt og uden beskæring."),
    "FG252": ("Bemærk: scannede sider venter på resten af skemaet", "Scan og indlæs de manglende sider."),
    "FG253": ("Bemærk: samme side er scannet to gange", "Intet at gøre; den første scanning gælder."),
    "FG999": ("Intern fejl", "Meld fejlen med det, du gjorde på siden."),
}


@dataclass(frozen=True)
class DanishProblem:
    """What a page shows for one problem: the headline and fix in Danish, or the English text where none exists."""

    code: str
    where: str
    headline: str
    fix: str
    detail: str  # the English `what` with its specifics (shown marked lang="en"), or "" when it is the headline
    danish: bool


def danish(p: Problem) -> DanishProblem:
    """The Danish rendering of a problem; the English text with its code where the Danish catalogue has none."""
    if p.code not in DANISH:
        return DanishProblem(p.code, p.where, p.what, p.fix, "", False)
    headline, fix = DANISH[p.code]
    return DanishProblem(p.code, p.where, headline, fix, p.what, True)
