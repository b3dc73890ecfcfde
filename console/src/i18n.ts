// Message catalogues: zh-CN first, English on a switch remembered in localStorage.
import { en } from "./messages/en";
import { zhCN, type MessageKey } from "./messages/zh-CN";

export type Lang = "zh-CN" | "en";
const catalogues: Record<Lang, Record<MessageKey, string>> = { "zh-CN": zhCN, en };
const STORE = "runxin.lang";

let current: Lang = localStorage.getItem(STORE) === "en" ? "en" : "zh-CN";

export function lang(): Lang {
  return current;
}

export function setLang(next: Lang): void {
  current = next;
  localStorage.setItem(STORE, next);
  document.documentElement.lang = next;
}

/** The message for `key`, with {name} placeholders filled. */
export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  const text = catalogues[current][key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? `{${name}}`));
}

/** A message for a key made at run time (an enum value from the API), falling back to the value itself. */
export function tEnum(prefix: string, value: string): string {
  const key = `${prefix}.${value}` as MessageKey;
  return key in catalogues[current] ? t(key) : value;
}

/** An indicator's name in the current language (the API gives both). */
export function indicatorName(item: { name: string; nameZh: string }): string {
  return current === "en" ? item.name : item.nameZh;
}

document.documentElement.lang = current;
