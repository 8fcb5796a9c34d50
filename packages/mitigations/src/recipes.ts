// QK-only finetuning (§6 of the paper) is a training recipe, not a data transform: LoRA on the attention's
// query and key projections only. This prints the PEFT LoraConfig for an architecture.
import { CpiError } from '@cpi-bench/schemas';

export interface QkArchitecture {
  targetModules: string[];
  /** True when query and key share one fused Linear with the value projection. */
  fused: boolean;
  /** GPT-2's Conv1D stores weights transposed; PEFT needs fan_in_fan_out for it. */
  fanInFanOut: boolean;
  note?: string;
}

const FUSED_NOTE =
  'This architecture computes query, key and value in one fused Linear, and PEFT targets whole modules, so this LoRA also adapts the value ' +
  'projection: it is attention-input-only, not strictly QK-only. For strict QK-only, zero the value third of lora_B (and its gradient) in the trainer, ' +
  'or unfuse the projection before training.';

/** Query and key projection names per Hugging Face model_type. */
export const QK_ARCHITECTURES: Readonly<Record<string, QkArchitecture>> = {
  llama: { targetModules: ['q_proj', 'k_proj'], fused: false, fanInFanOut: false },
  mistral: { targetModules: ['q_proj', 'k_proj'], fused: false, fanInFanOut: false },
  qwen2: { targetModules: ['q_proj', 'k_proj'], fused: false, fanInFanOut: false },
  gpt_neox: { targetModules: ['query_key_value'], fused: true, fanInFanOut: false, note: FUSED_NOTE },
  gpt2: { targetModules: ['c_attn'], fused: true, fanInFanOut: true, note: FUSED_NOTE },
};

export interface QkOnlyOptions {
  /** @default 8 */
  r?: number;
  /** @default 16 */
  alpha?: number;
  /** @default 0.05 */
  dropout?: number;
}

/**
 * A PEFT LoraConfig (as `LoraConfig(**json)` or an adapter_config.json takes it) whose target_modules are
 * the architecture's query and key projections. Fused architectures come with a note (printed to stderr).
 * @example qkOnlyRecipe('llama').config.target_modules // ['q_proj', 'k_proj']
 */
export function qkOnlyRecipe(arch: string, options: QkOnlyOptions = {}): { config: Record<string, unknown>; note?: string } {
  const a = QK_ARCHITECTURES[arch];
  if (!a) {
    throw new CpiError('CPI_MITIGATION_UNKNOWN_ARCH', `unknown architecture "${arch}"; valid: ${Object.keys(QK_ARCHITECTURES).join(', ')}`, {
      hint: "use the model's config.json model_type",
    });
  }
  const config = {
    peft_type: 'LORA',
    task_type: 'CAUSAL_LM',
    r: options.r ?? 8,
    lora_alpha: options.alpha ?? 16,
    lora_dropout: options.dropout ?? 0.05,
    bias: 'none',
    target_modules: a.targetModules,
    fan_in_fan_out: a.fanInFanOut,
  };
  return a.note ? { config, note: a.note } : { config };
}
