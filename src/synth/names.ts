/**
 * Invented people and places. Names come from many languages on purpose: accents, apostrophes,
 * hyphens, particles and short East Asian names are where name matching usually breaks.
 * Every combination is random; no real patient is described.
 */

/** Family names, including compound, hyphenated, particle and apostrophe forms. */
export const FAMILY_NAMES: readonly string[] = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Garcia', 'Martínez', 'Rodríguez', 'Hernández', 'López', 'González',
  'Müller', 'Schmidt', 'Schröder', 'Weiß', 'Fischer', 'Dubois', 'Lefèvre', 'Moreau', 'Girard', 'Rossi',
  'Russo', 'Esposito', 'Bianchi', 'Nguyen', 'Tran', 'Pham', 'Le', 'Kim', 'Lee', 'Park',
  'Choi', 'Wang', 'Li', 'Zhang', 'Chen', 'Liu', 'Nakamura', 'Tanaka', 'Suzuki', 'Sato',
  'Kowalski', 'Nowak', 'Wiśniewski', 'Novák', 'Horváth', 'Papadopoulos', 'Ivanova', 'Petrov', 'Çelik', 'Yılmaz',
  "O'Brien", "O'Connor", "D'Angelo", "N'Diaye", 'MacDonald', 'McCarthy', 'Okafor', 'Adeyemi', 'Mensah', 'Okonkwo',
  'Haddad', 'Al-Sayed', 'El-Amin', 'Khan', 'Patel', 'Sharma', 'Singh', 'Gupta', 'Iyer', 'Das',
  'Van der Berg', 'De Vries', 'Van Dijk', 'da Silva', 'dos Santos', 'Pereira', 'Søndergaard', 'Ødegaard', 'Johansson', 'Nilsson',
  'Smith-Jones', 'Fernández-López', 'García Márquez', 'Lloyd-Webber', 'Ní Bhriain', 'Björklund', 'Andersen', 'Hansen', 'Virtanen', 'Kovačević',
  'Thompson', 'White', 'Harris', 'Clark', 'Lewis', 'Walker', 'Young', 'Allen', 'Wright', 'Scott',
];

/** Given names by administrative sex. */
export const GIVEN_NAMES: Readonly<Record<'F' | 'M', readonly string[]>> = {
  F: [
    'Mary', 'Anna', 'Emma', 'Olivia', 'Sofia', 'Zoë', 'Amélie', 'Chloé', 'Siobhán', 'Inés',
    'Lucía', 'María José', 'Ana-Maria', 'Mary-Jane', 'Aisha', 'Fatima', 'Ngozi', 'Amara', 'Priya', 'Ananya',
    'Yuki', 'Hana', 'Mei', 'Ji-woo', 'Linh', 'Olga', 'Katarzyna', 'Zsófia', 'Ingrid', 'Åsa',
    'Elena', 'Giulia', 'Leah', 'Sarah', 'Grace', 'Emily', 'Emilia', 'Charlotte', 'Hélène', 'Dolores',
  ],
  M: [
    'James', 'John', 'Robert', 'Michael', 'David', 'José', 'Juan Carlos', 'Mateo', 'François', 'Jean-Luc',
    'Björn', 'Søren', 'Jürgen', 'Łukasz', 'Piotr', 'Ivan', 'Dmitri', 'Mohammed', 'Omar', 'Youssef',
    'Chidi', 'Kwame', 'Oluwaseun', 'Raj', 'Arjun', 'Hiroshi', 'Kenji', 'Wei', 'Minh', 'Min-jun',
    'Liam', 'Noah', 'Lucas', 'Luca', 'Matteo', 'Seán', 'Ciarán', 'Thomas', 'Daniel', 'Peter',
  ],
};

/** Middle names or initials; many patients have none. */
export const MIDDLE_NAMES: readonly string[] = ['A', 'B', 'C', 'J', 'M', 'R', 'Marie', 'Louise', 'James', 'Lee', 'Anne', 'Paul', 'Maria', 'Kai'];

/** Similar given names, used to make twins and near-duplicates ("Emma" / "Emily"). */
export const NEAR_GIVEN: Readonly<Record<string, string>> = {
  Emma: 'Emily', Emily: 'Emilia', Anna: 'Ana-Maria', Mary: 'Mary-Jane', Sofia: 'Sophia', Olivia: 'Olive',
  John: 'Jon', James: 'Jamie', Michael: 'Micheal', Lucas: 'Luca', Luca: 'Lucas', Daniel: 'Danielle',
  Mateo: 'Matteo', Matteo: 'Mateo', Seán: 'Sean', Zoë: 'Zoe', José: 'Jose', Thomas: 'Tomas',
};

/** Physicians (referring and reading): a shorter list, they recur across many exams. */
export const PHYSICIANS: readonly { family: string; given: string; id: string }[] = [
  { family: 'Abernathy', given: 'Clara', id: '10231' },
  { family: 'Bélanger', given: 'Luc', id: '10487' },
  { family: 'Chukwu', given: 'Ifeoma', id: '10512' },
  { family: 'Delacroix', given: 'Marc', id: '10655' },
  { family: 'Esterházy', given: 'Péter', id: '10702' },
  { family: 'Fujimoto', given: 'Aiko', id: '10819' },
  { family: 'Gallagher', given: 'Niamh', id: '10933' },
  { family: 'Hoffmann', given: 'Klaus', id: '11045' },
  { family: 'Iqbal', given: 'Sana', id: '11178' },
  { family: 'Jovanović', given: 'Milan', id: '11206' },
  { family: 'Kaur', given: 'Harpreet', id: '11390' },
  { family: 'Lindqvist', given: 'Erik', id: '11427' },
];

/** Invented institutions; one per synthetic hospital, with its patient-id issuer. */
export const INSTITUTIONS: readonly { name: string; issuer: string; domain: string }[] = [
  { name: 'Riverside General Hospital', issuer: 'RGH', domain: 'riverside-general.example' },
  { name: 'Mercy Valley Medical Center', issuer: 'MVMC', domain: 'mercy-valley.example' },
  { name: 'Hôpital Saint-Laurent', issuer: 'HSL', domain: 'saint-laurent.example' },
  { name: 'Northgate University Clinic', issuer: 'NUC', domain: 'northgate-clinic.example' },
  { name: "St. Brigid's Hospital", issuer: 'SBH', domain: 'st-brigids.example' },
];
