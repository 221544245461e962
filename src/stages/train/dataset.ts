/** The columns the Iris model reads and predicts; the ingest schema guarantees them. */
export const IRIS_FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'] as const;
export const IRIS_LABEL = 'species';
