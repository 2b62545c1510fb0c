import { de } from './de.js';
import { en, type Catalogue, type MessageKey } from './en.js';
import { ru } from './ru.js';

export type { Catalogue, MessageKey };

export const LANGUAGES = ['en', 'de', 'ru'] as const;
export type Language = (typeof LANGUAGES)[number];

export const catalogues: Readonly<Record<Language, Catalogue>> = { en, de, ru };
