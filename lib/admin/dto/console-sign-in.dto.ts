import { IsString, Length } from 'class-validator';

/** The body of the console's sign-in: one of the admin API keys. @publicApi */
export class ConsoleSignInDto {
  @IsString()
  @Length(8, 1024)
  key!: string;
}
