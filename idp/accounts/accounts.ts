// The IdP's account capability: service functions with plain arguments, each opening its own
// transaction for a state change, and the schema of each form they take. Routes import from here;
// the files behind it are internal.
export type { Account, Gender } from './account.entity.ts';
export { ACCOUNT_ERRORS, EmailNotVerifiedError } from './account-errors.ts';
export { authenticate, type SignInInput, signInForm } from './authenticate.ts';
export { normaliseEmail } from './email-address.ts';
export { checkPasswordPolicy, hashPassword, verifyPassword } from './password.ts';
export { changePassword, type PasswordChangeInput, passwordChangeForm } from './password-change.ts';
export {
  forgotPasswordForm,
  type PasswordResetInput,
  type PasswordResetRequest,
  requestPasswordReset,
  resetPassword,
  resetPasswordForm,
} from './password-reset.ts';
export { findAccount, type ProfileInput, profileForm, updateProfile } from './profile.ts';
export { type SignUpInput, type SignUpResult, signUp, signUpForm } from './sign-up.ts';
export type { Throttle } from './throttle.ts';
export {
  type ChosenPassword,
  type ResendInput,
  resendForm,
  resendVerification,
  type VerifyInput,
  verifyEmail,
  verifyForm,
} from './verification.ts';
