import { de } from './de.js';
import { en, type MessageKey } from './en.js';
import { ru } from './ru.js';

export type { MessageKey };

/** A translation: exactly the English catalogue's keys, each a string with the same `{names}`. */
export type Catalogue = Record<MessageKey, string>;

export const LANGUAGES = ['en', 'de', 'ru'] as const;
export type Language = (typeof LANGUAGES)[number];

export const catalogues: Readonly<Record<Language, Catalogue>> = { en, de, ru };
