/** The context-adhering instruction the paper tried (App. A.4); its drop persisted under it (Fig. 12). */
export const CONTEXT_ONLY_INSTRUCTION = 'Answer the question based on the input context only.';
