export const nemuru = undefined as never
