import { randomInt, randomUUID } from 'node:crypto';

/** The Default experiment's id, created with the store as MLflow does. */
export const DEFAULT_EXPERIMENT_ID = '0';
export const DEFAULT_EXPERIMENT_NAME = 'Default';

/**
 * A new experiment id the way MLflow 2.12's FileStore makes one: 18 random decimal digits with
 * no leading zero. Random rather than sequential so two processes never pick the same next id.
 */
export function newExperimentId(): string {
  let id = String(randomInt(1, 10));
  for (let i = 1; i < 18; i += 1) id += String(randomInt(0, 10));
  return id;
}

/** Run ids are uuid4 in hex, 32 characters. */
export function newRunId(): string {
  return randomUUID().replace(/-/g, '');
}

// A few of MLflow's own words (mlflow/utils/name_utils.py uses the same adjective-noun-number shape).
const ADJECTIVES = [
  'abundant', 'agreeable', 'amazing', 'bold', 'brave', 'bright', 'calm', 'capable', 'clean', 'clever',
  'dashing', 'delicate', 'eager', 'efficient', 'fearless', 'gentle', 'glamorous', 'gregarious', 'honorable', 'industrious',
  'intelligent', 'judicious', 'kindly', 'languid', 'likeable', 'loud', 'luminous', 'merciful', 'nebulous', 'orderly',
  'polite', 'puzzled', 'redolent', 'resilient', 'rumbling', 'selective', 'sincere', 'skillful', 'smiling', 'spiffy',
  'stately', 'suave', 'thoughtful', 'traveling', 'trusting', 'unequaled', 'upbeat', 'valuable', 'victorious', 'welcoming',
];
const NOUNS = [
  'ant', 'ape', 'asp', 'auk', 'bass', 'bat', 'bear', 'bee', 'bird', 'boar',
  'carp', 'cat', 'colt', 'crab', 'crane', 'croc', 'crow', 'cub', 'deer', 'doe',
  'dog', 'dove', 'duck', 'eel', 'elk', 'finch', 'fish', 'foal', 'fowl', 'fox',
  'frog', 'gnat', 'goat', 'grouse', 'gull', 'hare', 'hawk', 'hen', 'hog', 'horse',
  'hound', 'jay', 'kit', 'lamb', 'lark', 'lynx', 'mole', 'moth', 'mule', 'owl',
];

/** A readable run name like MLflow's (`bold-fox-417`) for runs created without one. */
export function randomRunName(): string {
  return `${ADJECTIVES[randomInt(ADJECTIVES.length)]}-${NOUNS[randomInt(NOUNS.length)]}-${randomInt(1000)}`;
}
