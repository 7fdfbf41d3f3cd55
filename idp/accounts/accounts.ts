// The IdP's account capability: service functions with plain arguments, each opening its own
// transaction for a state change. Routes import from here; the files behind it are internal.
export type { Account, Gender } from './account.entity.ts';
export { ACCOUNT_ERRORS, EmailNotVerifiedError } from './account-errors.ts';
export { authenticate } from './authenticate.ts';
export { normaliseEmail } from './email-address.ts';
export { checkPasswordPolicy, hashPassword, verifyPassword } from './password.ts';
export { changePassword } from './password-change.ts';
export { requestPasswordReset, resetPassword } from './password-reset.ts';
export { findAccount, type ProfileInput, updateProfile } from './profile.ts';
export { type SignUpInput, type SignUpResult, signUp } from './sign-up.ts';
export type { Throttle } from './throttle.ts';
export { type ChosenPassword, resendVerification, verifyEmail } from './verification.ts';
