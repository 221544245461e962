import type { io } from '@tensorflow/tfjs-core';
import type { InputColumn } from './encoding.js';

/** The contents of preprocessing.json. */
export interface Preprocessing {
  featureNames: string[];
  labels: string[];
  mean: number[];
  std: number[];
  /** The raw input columns and their encoding into featureNames; absent in older models (all numeric). */
  inputs?: InputColumn[];
  /** The label column of the training data; absent in older models (species). */
  labelColumn?: string;
}

/** A model directory's files, read and checked, what readModelFiles (format.ts) returns. */
export interface ModelFilesRead {
  modelJsonPath: string;
  preprocessingPath: string;
  modelTopology: io.ModelJSON['modelTopology'];
  weightSpecs: io.WeightsManifestEntry[];
  weightData: ArrayBuffer;
  preprocessing: Preprocessing;
}

