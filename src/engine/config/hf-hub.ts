/** The Hugging Face Hub, where the parquet readers find datasets unless a mirror is given. */
export const HF_DEFAULT_BASE_URL = 'https://huggingface.co';
