/* gen_data: the vocabularies and rules behind the fake clients (see gen_data.h). */
#include "gen_data.h"
#include "util/fold.h"
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define N(a) (sizeof(a) / sizeof *(a))
#define PICK(r, a) ((a)[rng_below((r), (uint32_t)N(a))])

/* ---- random numbers ---- */

static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void rng_seed(rng *r, uint64_t seed, uint64_t stream, uint64_t index)
{
    uint64_t x = seed * 0x9e3779b97f4a7c15ull ^ (stream << 48) ^ index;
    splitmix(&x);
    for (int i = 0; i < 4; i++) r->s[i] = splitmix(&x);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t rng_next(rng *r)
{
    uint64_t *s = r->s;
    uint64_t out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

uint32_t rng_below(rng *r, uint32_t n) { return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32); }
int rng_chance(rng *r, unsigned percent) { return rng_below(r, 100) < percent; }
long long rng_range(rng *r, long long lo, long long hi)
{
    return lo + (long long)(rng_next(r) % (uint64_t)(hi - lo + 1));
}

static void fill(char *out, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fill(char *out, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, cap, fmt, ap);
    va_end(ap);
}

static void digits(rng *r, char *out, int n)
{
    for (int i = 0; i < n; i++) out[i] = (char)('0' + rng_below(r, 10));
    out[n] = 0;
}

/* ---- locales ---- */

static const struct { const char *country, *lang; unsigned weight; } locales[LOC_COUNT] = {
    [LOC_RU] = {"RU", "ru", 38}, [LOC_PL] = {"PL", "pl", 20}, [LOC_CS] = {"CZ", "cs", 12},
    [LOC_ES] = {"ES", "es", 14}, [LOC_US] = {"US", "en", 9},  [LOC_GB] = {"GB", "en", 7},
};

locale_id gen_locale(rng *r)
{
    uint32_t x = rng_below(r, 100);
    for (int l = 0; l < LOC_COUNT; l++) {
        if (x < locales[l].weight) return (locale_id)l;
        x -= locales[l].weight;
    }
    return LOC_RU;
}
const char *gen_country(locale_id l) { return locales[l].country; }
const char *gen_lang(locale_id l) { return locales[l].lang; }

/* ---- names ---- */

static const char *const ru_male[] = {
    "Александр", "Алексей", "Андрей", "Антон", "Артём", "Борис", "Вадим", "Валерий", "Василий", "Виктор",
    "Владимир", "Владислав", "Вячеслав", "Геннадий", "Георгий", "Григорий", "Денис", "Дмитрий", "Евгений",
    "Егор", "Иван", "Игорь", "Илья", "Кирилл", "Константин", "Леонид", "Максим", "Михаил", "Никита",
    "Николай", "Олег", "Павел", "Пётр", "Роман", "Руслан", "Сергей", "Станислав", "Степан", "Тимур",
    "Фёдор", "Юрий", "Ярослав"};
static const char *const ru_female[] = {
    "Анна", "Алёна", "Алина", "Анастасия", "Валентина", "Валерия", "Вера", "Виктория", "Галина", "Дарья",
    "Екатерина", "Елена", "Елизавета", "Жанна", "Инна", "Ирина", "Карина", "Ксения", "Лариса", "Любовь",
    "Людмила", "Маргарита", "Марина", "Мария", "Надежда", "Наталья", "Нина", "Оксана", "Ольга", "Полина",
    "Светлана", "Софья", "Тамара", "Татьяна", "Ульяна", "Юлия", "Яна"};
/* patronymics as male|female pairs: the forms do not follow one rule (Ильич, Юрьевич) */
static const char *const ru_patronymic[] = {
    "Александрович|Александровна", "Алексеевич|Алексеевна", "Андреевич|Андреевна", "Борисович|Борисовна",
    "Викторович|Викторовна", "Владимирович|Владимировна", "Геннадьевич|Геннадьевна", "Григорьевич|Григорьевна",
    "Дмитриевич|Дмитриевна", "Евгеньевич|Евгеньевна", "Иванович|Ивановна", "Игоревич|Игоревна",
    "Ильич|Ильинична", "Константинович|Константиновна", "Михайлович|Михайловна", "Николаевич|Николаевна",
    "Олегович|Олеговна", "Павлович|Павловна", "Петрович|Петровна", "Романович|Романовна",
    "Сергеевич|Сергеевна", "Фёдорович|Фёдоровна", "Юрьевич|Юрьевна", "Васильевич|Васильевна"};
static const char *const ru_last[] = {
    "Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов", "Новиков",
    "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров", "Павлов", "Козлов",
    "Степанов", "Николаев", "Орлов", "Андреев", "Макаров", "Никитин", "Захаров", "Зайцев", "Соловьёв",
    "Борисов", "Яковлев", "Григорьев", "Романов", "Воробьёв", "Сергеев", "Кузьмин", "Фролов",
    "Александров", "Дмитриев", "Королёв", "Гусев", "Киселёв", "Ильин", "Максимов", "Поляков", "Сорокин",
    "Виноградов", "Ковалёв", "Белов", "Медведев", "Антонов", "Тарасов", "Жуков", "Баранов", "Филиппов",
    "Комаров", "Давыдов", "Беляев", "Герасимов", "Богданов", "Осипов", "Сидоров", "Матвеев", "Титов",
    "Марков", "Миронов", "Крылов", "Куликов", "Карпов", "Власов", "Мельников", "Денисов", "Гаврилов",
    "Тихонов", "Казаков", "Афанасьев", "Данилов", "Савельев", "Тимофеев", "Фомин", "Чернов", "Абрамов",
    "Мартынов", "Ефимов", "Федотов", "Щербаков", "Назаров", "Калинин", "Исаев", "Чернышёв", "Быков",
    "Маслов", "Родионов", "Коновалов", "Лазарев", "Воронин", "Климов", "Филатов", "Пономарёв", "Голубев",
    "Кудрявцев", "Прохоров", "Наумов", "Потапов", "Журавлёв", "Овчинников", "Трофимов", "Леонов",
    "Соболев", "Ермаков", "Колесников", "Гончаров", "Емельянов", "Никифоров", "Грачёв", "Котов", "Гришин",
    "Ёлкин", "Ершов", "Покровский", "Вишневский", "Островский", "Рождественский", "Толстой", "Черных",
    "Седых", "Шевчук", "Коваленко", "Бондаренко", "Ткаченко", "Кравец"};
static const char *const pl_male[] = {
    "Adam", "Andrzej", "Bartosz", "Dariusz", "Grzegorz", "Jakub", "Jan", "Janusz", "Jerzy", "Józef",
    "Kamil", "Krzysztof", "Łukasz", "Maciej", "Marcin", "Marek", "Mariusz", "Mateusz", "Michał",
    "Mirosław", "Paweł", "Piotr", "Rafał", "Robert", "Ryszard", "Sebastian", "Stanisław", "Szymon",
    "Tadeusz", "Tomasz", "Wojciech", "Zbigniew", "Zdzisław"};
static const char *const pl_female[] = {
    "Agnieszka", "Aleksandra", "Alicja", "Anna", "Barbara", "Beata", "Dorota", "Ewa", "Grażyna",
    "Halina", "Iwona", "Jadwiga", "Joanna", "Julia", "Justyna", "Katarzyna", "Krystyna", "Magdalena",
    "Małgorzata", "Maria", "Marta", "Monika", "Natalia", "Paulina", "Renata", "Teresa", "Urszula",
    "Wiesława", "Zofia", "Żaneta"};
static const char *const pl_last[] = {
    "Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski", "Zieliński",
    "Szymański", "Woźniak", "Dąbrowski", "Kozłowski", "Jankowski", "Mazur", "Wojciechowski",
    "Kwiatkowski", "Krawczyk", "Kaczmarek", "Piotrowski", "Grabowski", "Zając", "Pawłowski", "Michalski",
    "Król", "Wieczorek", "Jabłoński", "Wróbel", "Nowakowski", "Majewski", "Olszewski", "Stępień",
    "Malinowski", "Jaworski", "Adamczyk", "Dudek", "Nowicki", "Pawlak", "Górski", "Witkowski", "Walczak",
    "Sikora", "Baran", "Rutkowski", "Michalak", "Szewczyk", "Ostrowski", "Tomaszewski", "Pietrzak",
    "Zalewski", "Wróblewski", "Jasiński", "Marciniak", "Bąk", "Zawadzki", "Sadowski", "Jakubowski",
    "Duda", "Włodarczyk", "Wilk", "Chmielewski", "Borkowski", "Sokołowski", "Szczepański", "Sawicki",
    "Lis", "Kucharski", "Mazurek", "Kubiak", "Kalinowski", "Wysocki", "Kołodziej", "Czarnecki",
    "Łukasik", "Błaszczyk", "Żak", "Głowacki", "Śliwiński", "Łuczak"};
static const char *const cs_male[] = {
    "Jan", "Jiří", "Petr", "Josef", "Pavel", "Martin", "Tomáš", "Jaroslav", "Miroslav", "Zdeněk",
    "Václav", "Michal", "František", "Jakub", "Milan", "Karel", "Lukáš", "David", "Ondřej", "Vojtěch",
    "Radek", "Libor", "Stanislav", "Vladimír", "Roman", "Aleš", "Matěj", "Filip"};
static const char *const cs_female[] = {
    "Jana", "Marie", "Eva", "Hana", "Anna", "Lenka", "Kateřina", "Lucie", "Věra", "Alena", "Petra",
    "Veronika", "Jaroslava", "Tereza", "Martina", "Michaela", "Jitka", "Helena", "Ludmila", "Zdeňka",
    "Ivana", "Monika", "Eliška", "Barbora", "Markéta", "Dagmar", "Šárka", "Zuzana"};
/* Czech surnames as male|female: the feminine -ová/-á form is not a suffix rule (Němec/Němcová) */
static const char *const cs_last[] = {
    "Novák|Nováková", "Svoboda|Svobodová", "Novotný|Novotná", "Dvořák|Dvořáková", "Černý|Černá",
    "Procházka|Procházková", "Kučera|Kučerová", "Veselý|Veselá", "Horák|Horáková", "Němec|Němcová",
    "Marek|Marková", "Pospíšil|Pospíšilová", "Pokorný|Pokorná", "Hájek|Hájková", "Král|Králová",
    "Jelínek|Jelínková", "Růžička|Růžičková", "Beneš|Benešová", "Fiala|Fialová", "Sedláček|Sedláčková",
    "Doležal|Doležalová", "Zeman|Zemanová", "Kolář|Kolářová", "Navrátil|Navrátilová",
    "Čermák|Čermáková", "Vaněk|Vaňková", "Urban|Urbanová", "Blažek|Blažková", "Kříž|Křížová",
    "Kovář|Kovářová", "Bartoš|Bartošová", "Vlček|Vlčková", "Polák|Poláková", "Musil|Musilová",
    "Kopecký|Kopecká", "Šimek|Šimková", "Konečný|Konečná", "Malý|Malá", "Holub|Holubová",
    "Čech|Čechová", "Štěpánek|Štěpánková", "Staněk|Staňková", "Kadlec|Kadlecová", "Dostál|Dostálová",
    "Soukup|Soukupová", "Šťastný|Šťastná", "Mareš|Marešová", "Moravec|Moravcová", "Sýkora|Sýkorová",
    "Tichý|Tichá", "Valenta|Valentová", "Vávra|Vávrová", "Matoušek|Matoušková", "Bláha|Bláhová",
    "Říha|Říhová", "Ševčík|Ševčíková", "Bureš|Burešová", "Hruška|Hrušková", "Mašek|Mašková",
    "Havlíček|Havlíčková", "Hrubý|Hrubá", "Janda|Jandová", "Dušek|Dušková", "Šindelář|Šindelářová"};
static const char *const es_male[] = {
    "Antonio", "José", "Manuel", "Francisco", "David", "Juan", "Javier", "Daniel", "Carlos", "Jesús",
    "Alejandro", "Miguel", "Rafael", "Pedro", "Pablo", "Ángel", "Sergio", "Fernando", "Jorge", "Luis",
    "Alberto", "Álvaro", "Diego", "Adrián", "Raúl", "Enrique", "Ramón", "Vicente", "Iván", "Rubén",
    "Óscar", "Andrés", "Joaquín", "Santiago", "Íñigo"};
static const char *const es_female[] = {
    "María", "Carmen", "Ana", "Isabel", "Laura", "Cristina", "Marta", "Lucía", "Pilar", "Dolores",
    "Paula", "Elena", "Raquel", "Sara", "Manuela", "Rosa", "Mercedes", "Beatriz", "Nuria", "Silvia",
    "Julia", "Irene", "Patricia", "Rocío", "Andrea", "Sonia", "Alba", "Noelia", "Begoña", "Inés"};
static const char *const es_last[] = {
    "García", "Rodríguez", "González", "Fernández", "López", "Martínez", "Sánchez", "Pérez", "Gómez",
    "Martín", "Jiménez", "Ruiz", "Hernández", "Díaz", "Moreno", "Muñoz", "Álvarez", "Romero", "Alonso",
    "Gutiérrez", "Navarro", "Torres", "Domínguez", "Vázquez", "Ramos", "Gil", "Ramírez", "Serrano",
    "Blanco", "Molina", "Morales", "Suárez", "Ortega", "Delgado", "Castro", "Ortiz", "Rubio", "Marín",
    "Sanz", "Núñez", "Iglesias", "Medina", "Garrido", "Cortés", "Castillo", "Santos", "Lozano",
    "Guerrero", "Cano", "Prieto", "Méndez", "Cruz", "Calvo", "Gallego", "Vidal", "León", "Márquez",
    "Herrera", "Peña", "Flores", "Cabrera", "Campos", "Vega", "Fuentes", "Carrasco", "Caballero",
    "Reyes", "Nieto", "Aguilar", "Pascual", "Herrero", "Montero", "Lorenzo", "Hidalgo", "Ibáñez",
    "Ferrer", "Durán", "Benítez", "Mora", "Vargas", "Arias", "Carmona", "Crespo", "Pastor", "Soto",
    "Sáez", "Velasco", "Soler", "Parra", "Esteban", "Bravo", "Gallardo", "Rojas"};
static const char *const en_male[] = {
    "James", "John", "Robert", "Michael", "William", "David", "Richard", "Joseph", "Thomas", "Charles",
    "Christopher", "Daniel", "Matthew", "Anthony", "Mark", "Steven", "Paul", "Andrew", "Joshua", "Kevin",
    "Brian", "George", "Edward", "Ryan", "Jacob", "Gary", "Nicholas", "Eric", "Jonathan", "Oliver",
    "Harry", "Jack", "Samuel", "Liam"};
static const char *const en_female[] = {
    "Mary", "Patricia", "Jennifer", "Linda", "Elizabeth", "Barbara", "Susan", "Jessica", "Sarah",
    "Karen", "Lisa", "Nancy", "Sandra", "Margaret", "Ashley", "Emily", "Donna", "Michelle", "Carol",
    "Amanda", "Melissa", "Deborah", "Stephanie", "Rebecca", "Laura", "Helen", "Amy", "Olivia", "Emma",
    "Sophie", "Charlotte", "Grace", "Chloe", "Zoë"};
static const char *const en_last[] = {
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson", "Taylor",
    "Thomas", "Moore", "Jackson", "Martin", "Lee", "Thompson", "White", "Harris", "Clark", "Lewis",
    "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Hill", "Green", "Adams", "Baker",
    "Nelson", "Carter", "Mitchell", "Roberts", "Turner", "Phillips", "Campbell", "Parker", "Evans",
    "Edwards", "Collins", "Stewart", "Morris", "Murphy", "Cook", "Rogers", "Morgan", "Cooper",
    "Peterson", "Reed", "Bailey", "Bell", "Kelly", "Howard", "Ward", "Cox", "Richardson", "Wood",
    "Watson", "Brooks", "Bennett", "Gray", "Hughes", "Price", "Patel", "Myers", "Ross", "Foster",
    "O'Brien", "O'Connor", "McDonald", "Walsh", "Hall", "Harrison", "Gibson", "Brontë"};

typedef struct namebook {
    const char *const *male, *const *female, *const *last;
    size_t nmale, nfemale, nlast;
} namebook;
#define BOOK(m, f, l) {m, f, l, N(m), N(f), N(l)}
static const namebook books[LOC_COUNT] = {
    [LOC_RU] = BOOK(ru_male, ru_female, ru_last), [LOC_PL] = BOOK(pl_male, pl_female, pl_last),
    [LOC_CS] = BOOK(cs_male, cs_female, cs_last), [LOC_ES] = BOOK(es_male, es_female, es_last),
    [LOC_US] = BOOK(en_male, en_female, en_last), [LOC_GB] = BOOK(en_male, en_female, en_last),
};

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), m = strlen(tail);
    return n >= m && !memcmp(s + n - m, tail, m);
}

/* one side of a "male|female" pair, or the word itself when it has one form */
static void pair_side(const char *pair, int female, char *out, size_t cap)
{
    const char *bar = strchr(pair, '|');
    if (!bar) fill(out, cap, "%s", pair);
    else if (female) fill(out, cap, "%s", bar + 1);
    else fill(out, cap, "%.*s", (int)(bar - pair), pair);
}

/* the feminine form of a Russian or Polish surname (Иванов → Иванова, Вишневский →
 * Вишневская, Толстой → Толстая, Kowalski → Kowalska); other surnames do not change */
static void feminine(locale_id loc, const char *male, char *out, size_t cap)
{
    size_t n = strlen(male);
    if (loc == LOC_RU) {
        if (ends_with(male, "ов") || ends_with(male, "ев") || ends_with(male, "ёв") || ends_with(male, "ин") ||
            ends_with(male, "ын"))
            fill(out, cap, "%sа", male);
        else if (ends_with(male, "ий") || ends_with(male, "ой"))   /* -ский, -цкий, -ой */
            fill(out, cap, "%.*sая", (int)(n - strlen("ий")), male);
        else
            fill(out, cap, "%s", male);
    } else if (loc == LOC_PL && ends_with(male, "ki")) {
        fill(out, cap, "%.*ska", (int)(n - 2), male);
    } else {
        fill(out, cap, "%s", male);
    }
}

/* ASCII for e-mail local parts and domains: folded (ł→l, é→e), Cyrillic transliterated */
static void latin(const char *in, char *out, size_t cap)
{
    static const char *const cyr[] = {   /* а..я after folding (ё→е, й→и) */
        "a", "b", "v", "g", "d", "e", "zh", "z", "i", "i", "k", "l", "m", "n", "o", "p",
        "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya"};
    char folded[GEN_TEXT * 2];
    text_fold(in, strlen(in), folded, sizeof folded);
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)folded; *p && o + 5 < cap;) {
        if (*p >= 'a' && *p <= 'z') { out[o++] = (char)*p++; continue; }
        if (*p >= '0' && *p <= '9') { out[o++] = (char)*p++; continue; }
        if ((*p == 0xd0 || *p == 0xd1) && p[1]) {   /* U+0400..U+047F */
            unsigned cp = ((p[0] & 0x1fu) << 6) | (p[1] & 0x3fu);
            if (cp >= 0x430 && cp <= 0x44f) for (const char *t = cyr[cp - 0x430]; *t; t++) out[o++] = *t;
            p += 2;
            continue;
        }
        p++;   /* spaces, apostrophes, anything else */
    }
    out[o] = 0;
}

/* ---- people ---- */

static const char *const positions[LOC_COUNT][12] = {
    [LOC_RU] = {"Генеральный директор", "Коммерческий директор", "Главный бухгалтер", "Бухгалтер",
                "Менеджер по закупкам", "Руководитель отдела продаж", "Инженер", "Юрист", "Офис-менеджер",
                "Логист", "Финансовый директор", "Снабженец"},
    [LOC_PL] = {"Prezes zarządu", "Dyrektor handlowy", "Księgowość", "Specjalista ds. zakupów",
                "Kierownik działu sprzedaży", "Inżynier", "Radca prawny", "Kierownik logistyki",
                "Asystent zarządu", "Dyrektor finansowy", "Właściciel", "Kierownik budowy"},
    [LOC_CS] = {"Jednatel", "Obchodní ředitel", "Účetní", "Nákupčí", "Vedoucí prodeje", "Technik",
                "Právník", "Ekonom", "Vedoucí skladu", "Asistent", "Finanční ředitel", "Majitel"},
    [LOC_ES] = {"Director general", "Director comercial", "Contable", "Responsable de compras",
                "Jefe de ventas", "Ingeniero", "Abogado", "Gerente", "Administrativo",
                "Responsable de logística", "Director financiero", "Propietario"},
    [LOC_US] = {"CEO", "Sales Director", "Accountant", "Purchasing Manager", "Head of Sales", "Engineer",
                "Legal Counsel", "Office Manager", "Operations Manager", "CFO", "Procurement Specialist",
                "Owner"},
    [LOC_GB] = {"Managing Director", "Sales Director", "Accountant", "Buyer", "Head of Sales", "Engineer",
                "Solicitor", "Office Manager", "Operations Manager", "Finance Director", "Procurement Lead",
                "Owner"},
};

/* cities with the trunk-free area code used for their landlines */
typedef struct city { const char *name, *area; } city;
static const city cities[LOC_COUNT][10] = {
    [LOC_RU] = {{"Москва", "495"}, {"Москва", "499"}, {"Санкт-Петербург", "812"}, {"Екатеринбург", "343"},
                {"Новосибирск", "383"}, {"Казань", "843"}, {"Нижний Новгород", "831"}, {"Самара", "846"},
                {"Краснодар", "861"}, {"Ростов-на-Дону", "863"}},
    [LOC_PL] = {{"Warszawa", "22"}, {"Kraków", "12"}, {"Łódź", "42"}, {"Wrocław", "71"}, {"Poznań", "61"},
                {"Gdańsk", "58"}, {"Szczecin", "91"}, {"Bydgoszcz", "52"}, {"Lublin", "81"}, {"Katowice", "32"}},
    [LOC_CS] = {{"Praha", "2"}, {"Brno", "54"}, {"Ostrava", "59"}, {"Plzeň", "37"}, {"Liberec", "48"},
                {"Olomouc", "58"}, {"České Budějovice", "38"}, {"Hradec Králové", "49"}, {"Pardubice", "46"},
                {"Zlín", "57"}},
    [LOC_ES] = {{"Madrid", "91"}, {"Barcelona", "93"}, {"Valencia", "96"}, {"Sevilla", "95"},
                {"Zaragoza", "976"}, {"Málaga", "952"}, {"Bilbao", "94"}, {"Alicante", "965"},
                {"Murcia", "968"}, {"Valladolid", "983"}},
    [LOC_US] = {{"New York", "212"}, {"Los Angeles", "213"}, {"Chicago", "312"}, {"Houston", "713"},
                {"Phoenix", "602"}, {"Philadelphia", "215"}, {"San Antonio", "210"}, {"San Diego", "619"},
                {"Dallas", "214"}, {"Boston", "617"}},
    [LOC_GB] = {{"London", "20"}, {"London", "20"}, {"Manchester", "161"}, {"Birmingham", "121"},
                {"Glasgow", "141"}, {"Edinburgh", "131"}, {"Liverpool", "151"}, {"Leeds", "113"},
                {"Bristol", "117"}, {"Sheffield", "114"}},
};

static const char *const mail_hosts[LOC_COUNT][6] = {
    [LOC_RU] = {"mail.ru", "yandex.ru", "gmail.com", "bk.ru", "list.ru", "inbox.ru"},
    [LOC_PL] = {"wp.pl", "onet.pl", "o2.pl", "interia.pl", "gmail.com", "gmail.com"},
    [LOC_CS] = {"seznam.cz", "email.cz", "centrum.cz", "gmail.com", "seznam.cz", "volny.cz"},
    [LOC_ES] = {"gmail.com", "hotmail.es", "yahoo.es", "telefonica.net", "outlook.es", "gmail.com"},
    [LOC_US] = {"gmail.com", "yahoo.com", "outlook.com", "aol.com", "icloud.com", "gmail.com"},
    [LOC_GB] = {"gmail.com", "hotmail.co.uk", "btinternet.com", "outlook.com", "yahoo.co.uk", "gmail.com"},
};

void gen_person(rng *r, locale_id loc, uint64_t serial, person *p)
{
    const namebook *b = &books[loc];
    memset(p, 0, sizeof *p);
    p->loc = loc;
    p->female = rng_chance(r, 48);
    fill(p->first, sizeof p->first, "%s",
         p->female ? b->female[rng_below(r, (uint32_t)b->nfemale)] : b->male[rng_below(r, (uint32_t)b->nmale)]);
    char last[GEN_TEXT];
    pair_side(b->last[rng_below(r, (uint32_t)b->nlast)], p->female, last, sizeof last);
    if (p->female && (loc == LOC_RU || loc == LOC_PL)) feminine(loc, last, p->last, sizeof p->last);
    else if (loc == LOC_ES) fill(p->last, sizeof p->last, "%s %s", last, b->last[rng_below(r, (uint32_t)b->nlast)]);
    else fill(p->last, sizeof p->last, "%s", last);
    if (loc == LOC_RU && rng_chance(r, 70)) pair_side(PICK(r, ru_patronymic), p->female, p->middle, sizeof p->middle);

    char f[GEN_TEXT], l[GEN_TEXT];
    latin(p->first, f, sizeof f);
    latin(loc == LOC_ES ? last : p->last, l, sizeof l);
    const char *host = mail_hosts[loc][rng_below(r, 6)];
    switch (rng_below(r, 5)) {
    case 0: fill(p->email, sizeof p->email, "%s.%s%llu@%s", f, l, (unsigned long long)(serial % 1000), host); break;
    case 1: fill(p->email, sizeof p->email, "%c%s.%llu@%s", f[0], l, (unsigned long long)serial, host); break;
    case 2: fill(p->email, sizeof p->email, "%s_%s%llu@%s", l, f, (unsigned long long)(1960 + serial % 45), host); break;
    default: fill(p->email, sizeof p->email, "%s.%s.%llu@%s", f, l, (unsigned long long)serial, host); break;
    }
    fill(p->position, sizeof p->position, "%s", positions[loc][rng_below(r, 12)]);
    fill(p->city, sizeof p->city, "%s", cities[loc][rng_below(r, 10)].name);
    if (rng_chance(r, 65))
        fill(p->birthday, sizeof p->birthday, "%04lld-%02lld-%02lld", rng_range(r, 1952, 2004), rng_range(r, 1, 12),
             rng_range(r, 1, 28));
}

/* ---- phones ---- */

/* Copy `pattern` with each '#' replaced by the next digit of nsn; the '#' left over once
 * the number is written (an extension) get random digits. */
static void shape(rng *r, char *out, size_t cap, const char *pattern, const char *nsn)
{
    size_t o = 0;
    for (const char *p = pattern; *p && o + 1 < cap; p++)
        out[o++] = *p != '#' ? *p : *nsn ? *nsn++ : (char)('0' + rng_below(r, 10));
    out[o] = 0;
}

static const char *const ru_mobile[] = {"903", "905", "906", "909", "910", "915", "916", "917", "919", "925",
                                        "926", "929", "958", "965", "977", "985", "999", "921", "911", "952"};
static const char *const pl_mobile[] = {"50", "51", "53", "57", "60", "66", "69", "72", "73", "78", "79", "88"};
static const char *const cs_mobile[] = {"601", "602", "603", "604", "605", "606", "607", "608", "702", "703",
                                        "704", "705", "720", "721", "730", "731", "736", "737", "739", "773",
                                        "774", "775", "776", "777", "790"};
static const char *const us_area[] = {"212", "213", "312", "713", "602", "215", "210", "619", "214", "617",
                                      "646", "718", "305", "404", "415", "503", "206", "303", "512", "702"};

/* national significant number: prefix + random digits up to `len`, first free digit 2..9
 * (local numbers do not start with 0 or 1 in these plans) */
static void nsn_with(rng *r, const char *prefix, int len, char *out)
{
    size_t n = strlen(prefix);
    memcpy(out, prefix, n);
    out[n] = (char)('2' + rng_below(r, 8));
    digits(r, out + n + 1, len - (int)n - 1);
}

/* ways people write a number: '#' stands for the digits of the national number;
 * exact 0 marks writings whose reading under region RU the caller must ask libphonenumber */
typedef struct writing { const char *pattern; int exact; } writing;

static const writing ru10[] = {
    {"+7 (###) ###-##-##", 1}, {"8 (###) ###-##-##", 1}, {"8##########", 1}, {"+7##########", 1},
    {"+7 ### ### ## ##", 1}, {"8-###-###-##-##", 1}, {"8 ### ###-####", 1}, {"(###) ###-##-##", 1},
    {"8(###)#######", 1}, {"+7 ### ###-##-##", 1}, {"8 ### ### ## ## доб. 1##", 0},
    {"тел. 8 (###) ###-##-##", 0}, {"+7 ### ### ## ## (после 18:00)", 0}};
static const writing pl9_mobile[] = {
    {"+48 ### ### ###", 1}, {"+48#########", 1}, {"+48 ###-###-###", 1}, {"+48 ### ### ###", 1},
    {"0048 ### ### ###", 0}, {"### ### ###", 0}};
static const writing pl9_fixed[] = {
    {"+48 ## ### ## ##", 1}, {"+48 (##) ###-##-##", 1}, {"+48#########", 1},
    {"+48 ## ### ## ## wew. 1#", 0}, {"0048 ## ### ## ##", 0}, {"(##) ### ## ##", 0}};
static const writing cs9[] = {
    {"+420 ### ### ###", 1}, {"+420#########", 1}, {"+420 ###-###-###", 1}, {"00420 ### ### ###", 0},
    {"### ### ###", 0}, {"+420 ### ### ### kl. 2#", 0}};
static const writing es9[] = {
    {"+34 ### ## ## ##", 1}, {"+34 ### ### ###", 1}, {"+34#########", 1}, {"0034 ### ### ###", 0},
    {"### ## ## ##", 0}};
static const writing us10[] = {
    {"+1 (###) ###-####", 1}, {"+1 ###-###-####", 1}, {"+1 ###.###.####", 1}, {"+1##########", 1},
    {"+1 (###) ###-#### ext. 2#", 0}, {"(###) ###-####", 0}};
static const writing gb10[] = {
    {"+44 ## #### ####", 1}, {"+44 (0)## #### ####", 0}, {"+44##########", 1}, {"0## #### ####", 0}};
static const writing gb10_other[] = {   /* 0161, 0121 ...: 3-digit area, and mobiles 07### */
    {"+44 ### ### ####", 1}, {"+44##########", 1}, {"0### ### ####", 0}};
static const writing gb10_mobile[] = {
    {"+44 #### ######", 1}, {"+44##########", 1}, {"0#### ######", 0}};

static void write_phone(rng *r, const writing *w, size_t nw, const char *cc, const char *nsn, phone *out)
{
    /* the exact writings come first in each table and are the common case */
    size_t exact = 0;
    while (exact < nw && w[exact].exact) exact++;
    const writing *pick = rng_chance(r, 92) ? &w[rng_below(r, (uint32_t)exact)] : &w[rng_below(r, (uint32_t)nw)];
    shape(r, out->text, sizeof out->text, pick->pattern, nsn);
    out->exact = pick->exact;
    if (pick->exact) fill(out->e164, sizeof out->e164, "+%s%s", cc, nsn);
    else out->e164[0] = 0;
}

void gen_phone(rng *r, locale_id loc, phone *out)
{
    char nsn[20];
    memset(out, 0, sizeof *out);
    out->mobile = rng_chance(r, 60);
    const char *area = cities[loc][rng_below(r, 10)].area;
    switch (loc) {
    case LOC_RU:
        if (out->mobile) nsn_with(r, PICK(r, ru_mobile), 10, nsn);
        else nsn_with(r, area, 10, nsn);
        write_phone(r, ru10, N(ru10), "7", nsn, out);
        break;
    case LOC_PL:
        if (out->mobile) { nsn_with(r, PICK(r, pl_mobile), 9, nsn); write_phone(r, pl9_mobile, N(pl9_mobile), "48", nsn, out); }
        else { nsn_with(r, area, 9, nsn); write_phone(r, pl9_fixed, N(pl9_fixed), "48", nsn, out); }
        break;
    case LOC_CS:
        nsn_with(r, out->mobile ? PICK(r, cs_mobile) : area, 9, nsn);
        write_phone(r, cs9, N(cs9), "420", nsn, out);
        break;
    case LOC_ES: {
        char pre[4] = {'6', (char)('0' + rng_below(r, 10)), 0, 0};
        if (out->mobile && rng_chance(r, 15)) { pre[0] = '7'; pre[1] = (char)('1' + rng_below(r, 4)); }
        nsn_with(r, out->mobile ? pre : area, 9, nsn);
        write_phone(r, es9, N(es9), "34", nsn, out);
        break;
    }
    case LOC_US: {
        /* area code + exchange NXX (not N11, not 555) + line */
        char pre[8];
        int x;
        do x = (int)rng_range(r, 200, 999); while (x % 100 == 11 || x == 555);
        fill(pre, sizeof pre, "%s%d", PICK(r, us_area), x);
        memcpy(nsn, pre, 6);
        digits(r, nsn + 6, 4);
        write_phone(r, us10, N(us10), "1", nsn, out);
        break;
    }
    case LOC_GB:
        if (out->mobile) {   /* 071..075, 078, 079: 076 is pagers, parts of 077 are unassigned */
            static const char second[] = "1234589";
            char pre[4] = {'7', second[rng_below(r, 7)], 0, 0};
            nsn_with(r, pre, 10, nsn);
            write_phone(r, gb10_mobile, N(gb10_mobile), "44", nsn, out);
        } else if (!strcmp(area, "20")) {
            char pre[4] = {'2', '0', (char)(rng_chance(r, 50) ? '7' : '8'), 0};
            memcpy(nsn, pre, 3);
            digits(r, nsn + 3, 7);
            write_phone(r, gb10, N(gb10), "44", nsn, out);
        } else {   /* 01xx local numbers starting 2..4 are assigned in every listed area */
            size_t n = strlen(area);
            memcpy(nsn, area, n);
            nsn[n] = (char)('2' + rng_below(r, 3));
            digits(r, nsn + n + 1, 10 - (int)n - 1);
            write_phone(r, gb10_other, N(gb10_other), "44", nsn, out);
        }
        break;
    default:
        break;
    }
}

const char *gen_phone_label(locale_id loc, int mobile)
{
    static const char *const labels[LOC_COUNT][2] = {
        [LOC_RU] = {"рабочий", "мобильный"}, [LOC_PL] = {"służbowy", "komórkowy"}, [LOC_CS] = {"práce", "mobil"},
        [LOC_ES] = {"trabajo", "móvil"}, [LOC_US] = {"work", "mobile"}, [LOC_GB] = {"work", "mobile"}};
    return labels[loc][mobile ? 1 : 0];
}

const char *gen_email_label(locale_id loc, int work)
{
    static const char *const labels[LOC_COUNT][2] = {
        [LOC_RU] = {"личный", "рабочий"}, [LOC_PL] = {"prywatny", "służbowy"}, [LOC_CS] = {"osobní", "pracovní"},
        [LOC_ES] = {"personal", "trabajo"}, [LOC_US] = {"personal", "work"}, [LOC_GB] = {"personal", "work"}};
    return labels[loc][work ? 1 : 0];
}

/* ---- companies ---- */

static const char *const ru_root1[] = {"Техно", "Строй", "Пром", "Агро", "Энерго", "Авто", "Транс", "Мет", "Евро",
                                       "Рос", "Сиб", "Урал", "Волга", "Нева", "Альфа", "Гео", "Эко", "Мега",
                                       "Инфо", "Мед", "Фарм", "Хим", "Лес", "Нефте", "Электро", "Тепло", "Вент"};
static const char *const ru_root2[] = {"строй", "торг", "снаб", "сервис", "комплект", "ресурс", "альянс", "инвест",
                                       "лидер", "профи", "маркет", "групп", "трейд", "логистик", "систем",
                                       "проект", "монтаж", "пром", "опт", "капитал"};
static const char *const pl_root1[] = {"Bud", "Pol", "Trans", "Eko", "Inter", "Agro", "Tech", "Stal", "Drew",
                                       "Elektro", "Med", "Farm", "Sys", "Net", "Data", "Hydro", "Term", "Auto",
                                       "Kom", "Pak", "Chem", "Mar", "Lux", "Orbis"};
static const char *const pl_root2[] = {"ex", "pol", "bud", "mex", "tech", "trans", "med", "soft", "stal", "plast",
                                       "serwis", "land", "gaz", "lab"};
static const char *const cs_root1[] = {"Stav", "Agro", "Tech", "Elektro", "Kov", "Dřevo", "Auto", "Trans", "Eko",
                                       "Med", "Chem", "Bohemia", "Morava", "Praga", "Sys", "Soft", "Data", "Hydro",
                                       "Termo", "Plast"};
static const char *const cs_root2[] = {"servis", "stav", "tech", "trans", "mont", "kov", "plast", "soft", "obchod",
                                       "invest", "projekt", "energie"};
static const char *const es_kind[] = {"Construcciones", "Transportes", "Distribuciones", "Suministros",
                                      "Instalaciones", "Servicios", "Talleres", "Comercial", "Grupo",
                                      "Inversiones", "Reformas", "Logística"};
static const char *const es_place[] = {"Ibérica", "Levante", "del Norte", "del Sur", "Atlántico",
                                       "Mediterráneo", "Castilla", "Galicia", "Andaluza", "Cantábrica"};
static const char *const en_root[] = {"Northwind", "Bluewater", "Summit", "Pioneer", "Redwood", "Ironbridge",
                                      "Silverline", "Evergreen", "Keystone", "Harbor", "Granite", "Crescent",
                                      "Riverside", "Oakfield", "Brightstone", "Westbrook", "Highland", "Sterling"};
static const char *const en_kind[] = {"Logistics", "Manufacturing", "Supplies", "Systems", "Solutions",
                                      "Engineering", "Trading", "Foods", "Packaging", "Electric", "Partners",
                                      "Consulting"};
static const char *const industries[] = {"manufacturing", "construction", "retail", "wholesale", "logistics",
                                         "it", "healthcare", "finance", "agriculture", "energy", "hospitality",
                                         "education", "consulting", "media", "real_estate"};
static const char *const streets[LOC_COUNT][10] = {
    [LOC_RU] = {"ул. Ленина", "пр-т Мира", "ул. Гагарина", "ул. Советская", "ул. Садовая", "ул. Лесная",
                "ул. Заводская", "ул. Промышленная", "Ленинградский пр-т", "ул. Молодёжная"},
    [LOC_PL] = {"ul. Marszałkowska", "ul. Polna", "ul. Leśna", "ul. Słoneczna", "ul. Krótka", "ul. Szkolna",
                "al. Jerozolimskie", "ul. Ogrodowa", "ul. Lipowa", "ul. Łąkowa"},
    [LOC_CS] = {"Husova", "Masarykova", "Nádražní", "Palackého", "Školní", "Komenského", "Zahradní",
                "Riegrova", "Na Příkopě", "Vinohradská"},
    [LOC_ES] = {"Calle Mayor", "Calle Real", "Avenida de la Constitución", "Calle del Sol", "Gran Vía",
                "Paseo de la Castellana", "Calle Nueva", "Plaza de España", "Calle de Alcalá", "Calle San José"},
    [LOC_US] = {"Main Street", "Oak Street", "Maple Avenue", "Park Avenue", "2nd Street", "Washington Blvd",
                "Elm Street", "Lake Drive", "Broadway", "Market Street"},
    [LOC_GB] = {"High Street", "Station Road", "Church Lane", "Victoria Road", "Green Lane", "Manor Road",
                "Park Road", "Queen Street", "King's Road", "Mill Lane"},
};

/* tax ids with correct check digits; `weights` apply to the leading digits */
static int weighted(const char *d, const int *w, int n)
{
    int s = 0;
    for (int i = 0; i < n; i++) s += (d[i] - '0') * w[i];
    return s;
}

static const int inn_w[] = {2, 4, 10, 3, 5, 9, 4, 6, 8};
static const int nip_w[] = {6, 5, 7, 2, 3, 4, 5, 6, 7};
static const int ico_w[] = {8, 7, 6, 5, 4, 3, 2};

static int inn_check(const char *d) { return weighted(d, inn_w, 9) % 11 % 10; }
static int nip_check(const char *d) { return weighted(d, nip_w, 9) % 11; }   /* 10 means: no valid NIP */
static int ico_check(const char *d)
{
    int m = weighted(d, ico_w, 7) % 11;
    return m == 0 ? 1 : m == 1 ? 0 : 11 - m;
}
static int cif_check(const char *d)   /* the 7 digits after the letter */
{
    int s = 0;
    for (int i = 0; i < 7; i++) {
        int v = d[i] - '0';
        if (i % 2 == 0) { v *= 2; v = v / 10 + v % 10; }
        s += v;
    }
    return (10 - s % 10) % 10;
}

static void tax_id(rng *r, locale_id loc, char *out, size_t cap)
{
    char d[16];
    switch (loc) {
    case LOC_RU:   /* ИНН of an organisation: region code 01..92, 10 digits */
        fill(d, sizeof d, "%02lld", rng_range(r, 1, 92));
        digits(r, d + 2, 7);
        fill(out, cap, "%s%d", d, inn_check(d));
        break;
    case LOC_PL:   /* NIP: tax office prefix, 10 digits; half written with dashes */
        do { fill(d, sizeof d, "%lld", rng_range(r, 101, 999)); digits(r, d + 3, 6); } while (nip_check(d) == 10);
        if (rng_chance(r, 50)) fill(out, cap, "%.3s-%.3s-%.2s-%.1s%d", d, d + 3, d + 6, d + 8, nip_check(d));
        else fill(out, cap, "%s%d", d, nip_check(d));
        break;
    case LOC_CS:   /* IČO: 8 digits, mod 11 */
        digits(r, d, 7);
        fill(out, cap, "%s%d", d, ico_check(d));
        break;
    case LOC_ES:   /* CIF of an S.L. (B) or S.A. (A) */
        digits(r, d, 7);
        fill(out, cap, "%c%s%d", rng_chance(r, 80) ? 'B' : 'A', d, cif_check(d));
        break;
    case LOC_US:   /* EIN */
        fill(out, cap, "%02lld-%07lld", rng_range(r, 10, 98), rng_range(r, 0, 9999999));
        break;
    default:       /* UK Companies House number */
        fill(out, cap, "%08lld", rng_range(r, 100000, 14999999));
        break;
    }
}

int gen_tax_id_valid(locale_id loc, const char *t)
{
    char d[16];
    size_t n = 0;
    for (const char *p = t; *p && n < sizeof d - 1; p++) if (*p >= '0' && *p <= '9') d[n++] = *p;
    d[n] = 0;
    switch (loc) {
    case LOC_RU: return n == 10 && inn_check(d) == d[9] - '0';
    case LOC_PL: return n == 10 && nip_check(d) == d[9] - '0';
    case LOC_CS: return n == 8 && ico_check(d) == d[7] - '0';
    case LOC_ES: return (t[0] == 'A' || t[0] == 'B') && n == 8 && cif_check(d) == d[7] - '0';
    default: return n >= 8;
    }
}

void gen_company(rng *r, locale_id loc, uint64_t serial, company *c)
{
    const namebook *b = &books[loc];
    memset(c, 0, sizeof *c);
    c->loc = loc;
    char base[GEN_TEXT], sur[GEN_TEXT];
    pair_side(b->last[rng_below(r, (uint32_t)b->nlast)], 0, sur, sizeof sur);
    uint32_t form = rng_below(r, 100);
    switch (loc) {
    case LOC_RU:
        fill(base, sizeof base, "%s%s", PICK(r, ru_root1), PICK(r, ru_root2));
        if (rng_chance(r, 20)) fill(base + strlen(base), sizeof base - strlen(base), "-%lld", rng_range(r, 1, 99));
        if (form < 65) {
            fill(c->name, sizeof c->name, "ООО «%s»", base);
            fill(c->legal_name, sizeof c->legal_name, "Общество с ограниченной ответственностью «%s»", base);
        } else if (form < 80) {
            fill(c->name, sizeof c->name, "АО «%s»", base);
            fill(c->legal_name, sizeof c->legal_name, "Акционерное общество «%s»", base);
        } else {
            const char *first = PICK(r, ru_male), *mid = PICK(r, ru_patronymic);
            char m[GEN_TEXT];
            pair_side(mid, 0, m, sizeof m);
            fill(c->name, sizeof c->name, "ИП %s %s %s", sur, first, m);
            fill(c->legal_name, sizeof c->legal_name, "Индивидуальный предприниматель %s %s %s", sur, first, m);
        }
        break;
    case LOC_PL:
        fill(base, sizeof base, "%s%s", PICK(r, pl_root1), PICK(r, pl_root2));
        if (form < 60) fill(c->name, sizeof c->name, "%s Sp. z o.o.", base);
        else if (form < 70) fill(c->name, sizeof c->name, "%s S.A.", base);
        else if (form < 85) fill(c->name, sizeof c->name, "P.P.H.U. %s %s %s", base, PICK(r, pl_male), sur);
        else fill(c->name, sizeof c->name, "%s i Wspólnicy Sp.j.", sur);
        fill(c->legal_name, sizeof c->legal_name, "%s", c->name);
        break;
    case LOC_CS:
        fill(base, sizeof base, "%s%s", PICK(r, cs_root1), PICK(r, cs_root2));
        if (form < 65) fill(c->name, sizeof c->name, "%s s.r.o.", base);
        else if (form < 78) fill(c->name, sizeof c->name, "%s a.s.", base);
        else if (form < 88) fill(c->name, sizeof c->name, "%s a syn s.r.o.", sur);
        else fill(c->name, sizeof c->name, "%s spol. s r.o.", base);
        fill(c->legal_name, sizeof c->legal_name, "%s", c->name);
        break;
    case LOC_ES:
        fill(base, sizeof base, "%s %s", PICK(r, es_kind), rng_chance(r, 50) ? PICK(r, es_place) : sur);
        if (form < 75) fill(c->name, sizeof c->name, "%s S.L.", base);
        else if (form < 90) fill(c->name, sizeof c->name, "%s S.A.", base);
        else fill(c->name, sizeof c->name, "%s y Asociados S.L.", sur);
        fill(c->legal_name, sizeof c->legal_name, "%s", c->name);
        break;
    default:
        fill(base, sizeof base, "%s %s", PICK(r, en_root), PICK(r, en_kind));
        if (loc == LOC_US) fill(c->name, sizeof c->name, "%s %s", base, form < 50 ? "LLC" : form < 85 ? "Inc." : "Corp.");
        else fill(c->name, sizeof c->name, "%s %s", base, form < 80 ? "Ltd" : form < 90 ? "LLP" : "PLC");
        fill(c->legal_name, sizeof c->legal_name, "%s", c->name);
        break;
    }
    tax_id(r, loc, c->tax_id, sizeof c->tax_id);
    static const char *const tld[LOC_COUNT] = {".ru", ".pl", ".cz", ".es", ".com", ".co.uk"};
    char host[GEN_TEXT];
    latin(base, host, sizeof host);
    fill(c->domain, sizeof c->domain, "%.40s%llu%s", host, (unsigned long long)(serial % 100000), tld[loc]);
    fill(c->industry, sizeof c->industry, "%s", PICK(r, industries));
    const city *ct = &cities[loc][rng_below(r, 10)];
    fill(c->city, sizeof c->city, "%s", ct->name);
    const char *st = streets[loc][rng_below(r, 10)];
    long long no = rng_range(r, 1, 180), unit = rng_range(r, 1, 40);
    switch (loc) {
    case LOC_RU: fill(c->address, sizeof c->address, "%06lld, г. %s, %s, д. %lld, оф. %lld", rng_range(r, 101000, 692999), ct->name, st, no, unit); break;
    case LOC_PL: fill(c->address, sizeof c->address, "%s %lld/%lld, %02lld-%03lld %s", st, no, unit, rng_range(r, 0, 99), rng_range(r, 0, 999), ct->name); break;
    case LOC_CS: fill(c->address, sizeof c->address, "%s %lld/%lld, %03lld %02lld %s", st, no * 7, unit, rng_range(r, 100, 799), rng_range(r, 0, 99), ct->name); break;
    case LOC_ES: fill(c->address, sizeof c->address, "%s, %lld, %05lld %s", st, no, rng_range(r, 1000, 52999), ct->name); break;
    case LOC_US: fill(c->address, sizeof c->address, "%lld %s, Suite %lld, %s %05lld", no * 10, st, unit * 10, ct->name, rng_range(r, 10001, 99950)); break;
    default: fill(c->address, sizeof c->address, "%lld %s, %s", no, st, ct->name); break;
    }
}

/* ---- words for tags, notes, deals and activities ---- */

int gen_tags(rng *r, const char **out, int max)
{
    static const char *const tags[] = {"vip", "partner", "b2b", "b2c", "wholesale", "retail", "newsletter",
                                       "exhibition-2025", "cold", "warm", "hot", "key-account", "reseller",
                                       "government", "tender", "loyal", "churn-risk", "referral", "webinar",
                                       "export"};
    int n = (int)rng_below(r, 4);   /* 0..3 tags, a quarter of the cards have none */
    if (n > max) n = max;
    for (int i = 0; i < n; i++) {
        const char *t;
        int again;
        do {   /* no tag twice on one card */
            t = PICK(r, tags);
            again = 0;
            for (int j = 0; j < i; j++) if (out[j] == t) again = 1;
        } while (again);
        out[i] = t;
    }
    return n;
}

const char *gen_source(rng *r)
{
    static const char *const sources[] = {"website", "phone", "referral", "exhibition", "cold-call", "email-campaign",
                                          "social", "marketplace", "partner", "advert"};
    return PICK(r, sources);
}

const char *gen_note(rng *r, locale_id loc)
{
    static const char *const notes[LOC_COUNT][5] = {
        [LOC_RU] = {"Просил перезвонить после обеда", "Интересуется оптовыми ценами", "Важный клиент, работать аккуратно",
                    "Предпочитает общение в WhatsApp", "Ждёт коммерческое предложение до пятницы"},
        [LOC_PL] = {"Prosi o kontakt po 15:00", "Zainteresowany cenami hurtowymi", "Ważny klient, ostrożnie z rabatami",
                    "Woli kontakt mailowy", "Czeka na ofertę do piątku"},
        [LOC_CS] = {"Prosí o zavolání odpoledne", "Má zájem o velkoobchodní ceny", "Důležitý klient",
                    "Preferuje komunikaci e-mailem", "Čeká na nabídku do pátku"},
        [LOC_ES] = {"Prefiere contacto por WhatsApp", "Interesado en precios al por mayor", "Cliente importante",
                    "Llamar por la mañana", "Espera el presupuesto antes del viernes"},
        [LOC_US] = {"Prefers email", "Interested in volume pricing", "Key account, handle with care",
                    "Asked for a callback after 3pm", "Waiting for our proposal by Friday"},
        [LOC_GB] = {"Prefers email", "Interested in volume pricing", "Key account, handle with care",
                    "Asked for a callback after 3pm", "Waiting for our proposal by Friday"},
    };
    return notes[loc][rng_below(r, 5)];
}

void gen_deal_title(rng *r, locale_id loc, char *out, size_t cap)
{
    static const char *const what[LOC_COUNT][8] = {
        [LOC_RU] = {"Поставка оборудования", "Поставка металлопроката", "Поставка стройматериалов", "Внедрение CRM",
                    "Сервисный договор", "Поставка спецодежды", "Аутсорсинг бухгалтерии", "Монтаж вентиляции"},
        [LOC_PL] = {"Dostawa urządzeń", "Dostawa stali", "Umowa serwisowa", "Wdrożenie CRM", "Dostawa materiałów",
                    "Outsourcing księgowości", "Montaż wentylacji", "Dostawa odzieży roboczej"},
        [LOC_CS] = {"Dodávka zařízení", "Dodávka oceli", "Servisní smlouva", "Implementace CRM", "Dodávka materiálu",
                    "Účetní služby", "Montáž vzduchotechniky", "Dodávka pracovních oděvů"},
        [LOC_ES] = {"Suministro de equipos", "Suministro de acero", "Contrato de mantenimiento", "Implantación de CRM",
                    "Suministro de materiales", "Asesoría contable", "Instalación de climatización", "Ropa laboral"},
        [LOC_US] = {"Equipment supply", "Steel supply", "Annual service contract", "CRM rollout", "Materials supply",
                    "Bookkeeping outsourcing", "HVAC installation", "Workwear supply"},
        [LOC_GB] = {"Equipment supply", "Steel supply", "Annual service contract", "CRM rollout", "Materials supply",
                    "Bookkeeping outsourcing", "HVAC installation", "Workwear supply"},
    };
    static const char *const no[LOC_COUNT] = {"№", "nr ", "č. ", "n.º ", "#", "#"};
    fill(out, cap, "%s %s%lld", what[loc][rng_below(r, 8)], no[loc], rng_range(r, 1, 9999));
}

const char *gen_activity_subject(rng *r, locale_id loc, const char *kind)
{
    static const char *const subj[LOC_COUNT][4][3] = {
        [LOC_RU] = {{"Уточнить потребность", "Перезвонить по КП", "Холодный звонок"},
                    {"Встреча в офисе клиента", "Презентация продукта", "Переговоры по договору"},
                    {"Подготовить КП", "Выставить счёт", "Отправить договор"},
                    {"Письмо с КП", "Напоминание об оплате", "Благодарность за встречу"}},
        [LOC_PL] = {{"Telefon w sprawie oferty", "Oddzwonić w sprawie umowy", "Zimny telefon"},
                    {"Spotkanie u klienta", "Prezentacja produktu", "Negocjacje umowy"},
                    {"Przygotować ofertę", "Wystawić fakturę", "Wysłać umowę"},
                    {"E-mail z ofertą", "Przypomnienie o płatności", "Podziękowanie za spotkanie"}},
        [LOC_CS] = {{"Zavolat ohledně nabídky", "Zpětné volání ke smlouvě", "Studený hovor"},
                    {"Schůzka u klienta", "Prezentace produktu", "Jednání o smlouvě"},
                    {"Připravit nabídku", "Vystavit fakturu", "Poslat smlouvu"},
                    {"E-mail s nabídkou", "Upomínka platby", "Poděkování za schůzku"}},
        [LOC_ES] = {{"Llamar para seguimiento", "Devolver llamada sobre contrato", "Llamada en frío"},
                    {"Reunión con el cliente", "Presentación del producto", "Negociación del contrato"},
                    {"Preparar presupuesto", "Emitir factura", "Enviar contrato"},
                    {"Correo con la oferta", "Recordatorio de pago", "Agradecimiento por la reunión"}},
        [LOC_US] = {{"Follow-up call", "Call back about the contract", "Cold call"},
                    {"On-site meeting", "Product demo", "Contract negotiation"},
                    {"Send proposal", "Issue invoice", "Send contract"},
                    {"Proposal email", "Payment reminder", "Thank-you email"}},
        [LOC_GB] = {{"Follow-up call", "Call back about the contract", "Cold call"},
                    {"On-site meeting", "Product demo", "Contract negotiation"},
                    {"Send proposal", "Issue invoice", "Send contract"},
                    {"Proposal email", "Payment reminder", "Thank-you email"}},
    };
    int k = !strcmp(kind, "call") ? 0 : !strcmp(kind, "meeting") ? 1 : !strcmp(kind, "task") ? 2 : 3;
    if (!strcmp(kind, "note")) return gen_note(r, loc);
    return subj[loc][k][rng_below(r, 3)];
}
