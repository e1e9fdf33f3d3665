// A dedicated worker for hf-parquet.browser.test.ts: reads a CIFAR-10 parquet URL here, where
// there is no document, and posts back the set or the DatasetError's kind and message.

import { DatasetError } from '../../data/dataset-error';
import { readHfCifar10 } from '../../data/hf-parquet';

self.onmessage = async (event: MessageEvent<{ url: string }>) => {
  try {
    const set = await readHfCifar10('train', { url: event.data.url });
    self.postMessage({ labels: set.labels, images: set.images });
  } catch (error) {
    self.postMessage({ error: error instanceof DatasetError ? { kind: error.kind, message: error.message } : { kind: 'other', message: String(error) } });
  }
};
